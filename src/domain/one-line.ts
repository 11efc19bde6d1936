/**
 * A multi-line message (Schema's issue trees, a config error) as one line: each line break and the
 * indentation after it become one space, so that a log line or an error reason stays one line.
 */
export const oneLine = (message: string): string => message.replace(/\n\s*/g, " ")
