import { Effect } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientError from "effect/http/HttpClientError"
import type * as HttpClientRequest from "effect/http/HttpClientRequest"
import * as HttpClientResponse from "effect/http/HttpClientResponse"

/**
 * The HTTP client under Effect's OTLP exporter: one plain `fetch` per export. Effect's fetch client
 * (`HttpClient.make`) wraps every request in a client span (a no-op one here, as the exporter sends with
 * the tracer off, but built all the same: URL and header attributes, propagation headers), an abort
 * controller, an uninterruptible region and a finalization registry entry; the exporter needs none of
 * it: it sends one POST of a body already encoded (`HttpBody.text`) to a URL without parameters, and reads
 * the answer's status and body. Its own retry, status filter and body draining wrap this client as they
 * wrap any other.
 */
export const leanFetchClient: HttpClient.HttpClient = HttpClient.makeWith(
  (request) => Effect.flatMap(request, send),
  Effect.succeed as HttpClient.HttpClient.Preprocess<never, never>
)

const send = (request: HttpClientRequest.HttpClientRequest) =>
  Effect.callback<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((resume) => {
    const body = request.body
    if (body._tag !== "Uint8Array" && body._tag !== "Empty") {
      return resume(Effect.fail(transportError(request, `the OTLP client sends text or bytes, not ${body._tag}`)))
    }
    // What the exporter sends: text (OTLP JSON, as encoded) or bytes (OTLP protobuf).
    const init = {
      method: request.method,
      headers: request.headers,
      body: body._tag === "Empty" ? undefined : body.text ?? body.body
    }
    fetch(request.url, init as RequestInit).then(
      (response) => resume(Effect.succeed(HttpClientResponse.fromWeb(request, response))),
      (cause) => resume(Effect.fail(transportError(request, cause)))
    )
  })

const transportError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.HttpClientError({ reason: new HttpClientError.TransportError({ request, cause }) })
