package io.github.llmresilience.benchmarks.jmh;

import java.net.URI;
import java.util.function.Function;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.client.reactive.ClientHttpConnector;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpResponse;
import org.springframework.mock.http.client.reactive.MockClientHttpRequest;
import org.springframework.mock.http.client.reactive.MockClientHttpResponse;

/**
 * A transport that answers every request at once with the same chat completion. The
 * request body is still encoded (the mock request subscribes to it), so JSON work on both
 * sides is counted.
 */
public final class StubConnector implements ClientHttpConnector {

	/**
	 * The chat completion every request is answered with.
	 */
	public static final String COMPLETION = """
			{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18",\
			"choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],\
			"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}""";

	@Override
	public Mono<ClientHttpResponse> connect(HttpMethod method, URI uri,
			Function<? super ClientHttpRequest, Mono<Void>> requestCallback) {
		MockClientHttpRequest request = new MockClientHttpRequest(method, uri);
		return requestCallback.apply(request).then(Mono.fromSupplier(() -> {
			MockClientHttpResponse response = new MockClientHttpResponse(HttpStatus.OK);
			response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
			response.setBody(COMPLETION);
			return response;
		}));
	}

}
