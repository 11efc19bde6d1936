import { fromEnv } from "@aws-sdk/credential-provider-env"
import type * as Real from "@aws-sdk/credential-provider-node"

// Stands in for @aws-sdk/credential-provider-node in the Bun bundles. Its default chain pulls in
// every provider (SSO, INI, process, web identity, container, IMDS, the STS and SSO clients): a
// sixth of the handler bundle, evaluated at load. On Lambda the first link answers: the
// credentials are in the environment. The real chain is loaded only when that link would not.

let real: typeof Real | undefined
const load = (): typeof Real => (real ??= require("@aws-sdk/credential-provider-node") as typeof Real)

type Init = Parameters<typeof Real.defaultProvider>[0]

/**
 * The real chain's first link, decided once: with no profile asked for (by `init` or AWS_PROFILE)
 * and both static keys in the environment, the credentials come from the environment.
 */
export const defaultProvider = (init: Init = {}): ReturnType<typeof Real.defaultProvider> => {
  const profile = init.profile ?? process.env.AWS_PROFILE
  if (!profile && process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) return fromEnv(init)
  return load().defaultProvider(init)
}

export const credentialsTreatedAsExpired: typeof Real.credentialsTreatedAsExpired = (c) =>
  load().credentialsTreatedAsExpired(c)
export const credentialsWillNeedRefresh: typeof Real.credentialsWillNeedRefresh = (c) =>
  load().credentialsWillNeedRefresh(c)
