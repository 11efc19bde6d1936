/**
 * Sends a signal to a whole process group (an environment's, its leader spawned with setsid). A group that
 * is gone is not an error: there is nothing left to signal. Any other failure (EPERM) is thrown.
 */
export const signalGroup = (pgid: number, signal: "SIGKILL" | "SIGSTOP" | "SIGCONT") => {
  try {
    process.kill(-pgid, signal)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ESRCH") throw e
  }
}
