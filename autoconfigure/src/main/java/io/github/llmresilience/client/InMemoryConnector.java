package io.github.llmresilience.client;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.function.Supplier;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseCookie;
import org.springframework.http.client.reactive.AbstractClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;

/**
 * A connector that sends nothing: it writes each request into memory and answers it at
 * once with a synthetic answer of the OpenAI shape (a completion, a stream of chunks or
 * embeddings), so that {@link PrimingClients} can run the whole call path at start-up.
 */
final class InMemoryConnector implements ClientHttpConnector {

	private static final DataBufferFactory BUFFERS = DefaultDataBufferFactory.sharedInstance;

	private static final String COMPLETION = """
			{"id":"priming","object":"chat.completion","model":"priming","choices":[{"index":0,\
			"message":{"role":"assistant","content":"priming"},"finish_reason":"stop"}],\
			"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}""";

	private static final String STREAM = """
			data: {"id":"priming","object":"chat.completion.chunk","model":"priming","choices":[{"index":0,\
			"delta":{"role":"assistant","content":"priming"},"finish_reason":null}]}

			data: {"id":"priming","object":"chat.completion.chunk","model":"priming","choices":[{"index":0,\
			"delta":{},"finish_reason":"stop"}]}

			data: {"id":"priming","object":"chat.completion.chunk","model":"priming","choices":[],\
			"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}

			data: [DONE]

			""";

	private static final String EMBEDDINGS = """
			{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,0.5]}],\
			"model":"priming","usage":{"prompt_tokens":1,"total_tokens":1}}""";

	@Override
	public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri,
			Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
		InMemoryRequest request = new InMemoryRequest(method, uri);
		return requestCallback.apply(request).then(Mono.fromSupplier(() -> answer(uri, request)));
	}

	private static ClientHttpResponse answer(URI uri, InMemoryRequest request) {
		if (uri.getPath().endsWith("/embeddings")) {
			return new InMemoryResponse(MediaType.APPLICATION_JSON, EMBEDDINGS);
		}
		MediaType accept = request.getHeaders().getAccept().stream().findFirst().orElse(MediaType.APPLICATION_JSON);
		return MediaType.TEXT_EVENT_STREAM.isCompatibleWith(accept)
				? new InMemoryResponse(MediaType.TEXT_EVENT_STREAM, STREAM)
				: new InMemoryResponse(MediaType.APPLICATION_JSON, COMPLETION);
	}

	private static final class InMemoryRequest extends AbstractClientHttpRequest {

		private final HttpMethod method;

		private final URI uri;

		InMemoryRequest(HttpMethod method, URI uri) {
			this.method = method;
			this.uri = uri;
		}

		@Override
		public HttpMethod getMethod() {
			return this.method;
		}

		@Override
		public URI getURI() {
			return this.uri;
		}

		@Override
		public DataBufferFactory bufferFactory() {
			return BUFFERS;
		}

		@Override
		@SuppressWarnings("unchecked")
		public <T> T getNativeRequest() {
			return (T) this;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			return doCommit(() -> Flux.from(body).doOnNext(DataBufferUtils::release).then());
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			return writeWith(Flux.from(body).flatMap(Function.identity()));
		}

		@Override
		public Mono<Void> setComplete() {
			return doCommit((Supplier<? extends Mono<Void>>) null);
		}

		@Override
		protected void applyHeaders() {
		}

		@Override
		protected void applyCookies() {
		}

	}

	private static final class InMemoryResponse implements ClientHttpResponse {

		private final HttpHeaders headers = new HttpHeaders();

		private final byte[] body;

		InMemoryResponse(MediaType contentType, String body) {
			this.headers.setContentType(contentType);
			this.body = body.getBytes(StandardCharsets.UTF_8);
			this.headers.setContentLength(this.body.length);
			// OpenAI's rate-limit headers, so that reading them is primed too.
			this.headers.set("x-ratelimit-limit-requests", "10000");
			this.headers.set("x-ratelimit-remaining-requests", "9999");
			this.headers.set("x-ratelimit-reset-requests", "6ms");
			this.headers.set("x-ratelimit-limit-tokens", "1000000");
			this.headers.set("x-ratelimit-remaining-tokens", "999998");
			this.headers.set("x-ratelimit-reset-tokens", "0s");
		}

		@Override
		public HttpStatusCode getStatusCode() {
			return HttpStatus.OK;
		}

		@Override
		public MultiValueMap<String, ResponseCookie> getCookies() {
			return new LinkedMultiValueMap<>();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.headers;
		}

		@Override
		public Flux<DataBuffer> getBody() {
			return Flux.defer(() -> Flux.just(BUFFERS.wrap(this.body)));
		}

	}

}
