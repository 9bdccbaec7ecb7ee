package io.github.llmresilience.client;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;

/**
 * The resolved, validated settings of one provider under {@code llm.providers}.
 *
 * @param name the provider's name
 * @param baseUrl the base URL; {@code /chat/completions} is appended
 * @param apiKey the API key, or {@code null} to send no authentication header
 * @param authHeader the header that carries the key: {@code Authorization} sends
 * {@code Bearer <key>}, any other header the bare key
 * @param queryParams query parameters added to every request
 * @param headers extra headers sent with every request
 * @param connectTimeout the TCP connect timeout
 * @param readTimeout the longest a non-streaming attempt may take from the request being
 * sent to the whole body being read
 * @param firstChunkTimeout the longest a stream may take to its first chunk
 * @param streamIdleTimeout the longest silence between two chunks of a stream
 * @param maxConnections the size of the provider's connection pool
 * @param pendingAcquireTimeout the longest a request waits for a pooled connection
 * @param maxResponseSize the largest answer accepted: a whole non-streaming body, or one
 * event of a stream
 */
public record ProviderSettings(String name, URI baseUrl, @Nullable String apiKey, String authHeader,
		Map<String, String> queryParams, Map<String, String> headers, Duration connectTimeout, Duration readTimeout,
		Duration firstChunkTimeout, Duration streamIdleTimeout, int maxConnections, Duration pendingAcquireTimeout,
		DataSize maxResponseSize) {

	/**
	 * The default authentication header.
	 */
	public static final String AUTHORIZATION = "Authorization";

	/**
	 * The default largest answer: long documents and large tool-call arguments fit.
	 */
	public static final DataSize DEFAULT_MAX_RESPONSE_SIZE = DataSize.ofMegabytes(16);

	/**
	 * Create settings.
	 * @param name the provider's name
	 * @param baseUrl the base URL
	 * @param apiKey the API key
	 * @param authHeader the authentication header
	 * @param queryParams the query parameters
	 * @param headers the extra headers
	 * @param connectTimeout the connect timeout
	 * @param readTimeout the read timeout
	 * @param firstChunkTimeout the first-chunk timeout
	 * @param streamIdleTimeout the stream idle timeout
	 * @param maxConnections the pool size
	 * @param pendingAcquireTimeout the pool acquisition timeout
	 * @param maxResponseSize the largest answer accepted
	 */
	public ProviderSettings {
		Objects.requireNonNull(name, "'name' must not be null");
		Objects.requireNonNull(maxResponseSize, "'maxResponseSize' must not be null");
		if (maxResponseSize.toBytes() < 1 || maxResponseSize.toBytes() > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("'maxResponseSize' must be between 1B and 2GB, was " + maxResponseSize);
		}
		Objects.requireNonNull(baseUrl, "'baseUrl' must not be null");
		Objects.requireNonNull(authHeader, "'authHeader' must not be null");
		queryParams = Map.copyOf(queryParams);
		headers = Map.copyOf(headers);
		apiKey = (apiKey != null && !apiKey.isBlank()) ? apiKey : null;
	}

	/**
	 * Create settings that accept answers up to {@link #DEFAULT_MAX_RESPONSE_SIZE}.
	 * @param name the provider's name
	 * @param baseUrl the base URL
	 * @param apiKey the API key
	 * @param authHeader the authentication header
	 * @param queryParams the query parameters
	 * @param headers the extra headers
	 * @param connectTimeout the connect timeout
	 * @param readTimeout the read timeout
	 * @param firstChunkTimeout the first-chunk timeout
	 * @param streamIdleTimeout the stream idle timeout
	 * @param maxConnections the pool size
	 * @param pendingAcquireTimeout the pool acquisition timeout
	 */
	public ProviderSettings(String name, URI baseUrl, @Nullable String apiKey, String authHeader,
			Map<String, String> queryParams, Map<String, String> headers, Duration connectTimeout, Duration readTimeout,
			Duration firstChunkTimeout, Duration streamIdleTimeout, int maxConnections,
			Duration pendingAcquireTimeout) {
		this(name, baseUrl, apiKey, authHeader, queryParams, headers, connectTimeout, readTimeout, firstChunkTimeout,
				streamIdleTimeout, maxConnections, pendingAcquireTimeout, DEFAULT_MAX_RESPONSE_SIZE);
	}

	/**
	 * Create settings with the documented defaults for everything but the name, URL and
	 * key.
	 * @param name the provider's name
	 * @param baseUrl the base URL
	 * @param apiKey the API key, or {@code null}
	 * @return the settings
	 */
	public static ProviderSettings of(String name, String baseUrl, @Nullable String apiKey) {
		return new ProviderSettings(name, URI.create(baseUrl), apiKey, AUTHORIZATION, Map.of(), Map.of(),
				Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(30), Duration.ofSeconds(30), 500,
				Duration.ofSeconds(45));
	}

	/**
	 * Return a copy with other timeouts.
	 * @param connectTimeout the connect timeout
	 * @param readTimeout the read timeout
	 * @param firstChunkTimeout the first-chunk timeout
	 * @param streamIdleTimeout the stream idle timeout
	 * @return the copy
	 */
	public ProviderSettings withTimeouts(Duration connectTimeout, Duration readTimeout, Duration firstChunkTimeout,
			Duration streamIdleTimeout) {
		return new ProviderSettings(this.name, this.baseUrl, this.apiKey, this.authHeader, this.queryParams,
				this.headers, connectTimeout, readTimeout, firstChunkTimeout, streamIdleTimeout, this.maxConnections,
				this.pendingAcquireTimeout, this.maxResponseSize);
	}

	/**
	 * Return a copy with another authentication header and extra headers and query
	 * parameters.
	 * @param authHeader the authentication header
	 * @param headers the extra headers
	 * @param queryParams the query parameters
	 * @return the copy
	 */
	public ProviderSettings withHeaders(String authHeader, Map<String, String> headers,
			Map<String, String> queryParams) {
		return new ProviderSettings(this.name, this.baseUrl, this.apiKey, authHeader, queryParams, headers,
				this.connectTimeout, this.readTimeout, this.firstChunkTimeout, this.streamIdleTimeout,
				this.maxConnections, this.pendingAcquireTimeout, this.maxResponseSize);
	}

	/**
	 * Return a copy with another connection pool.
	 * @param maxConnections the pool size
	 * @param pendingAcquireTimeout the pool acquisition timeout
	 * @return the copy
	 */
	public ProviderSettings withPool(int maxConnections, Duration pendingAcquireTimeout) {
		return new ProviderSettings(this.name, this.baseUrl, this.apiKey, this.authHeader, this.queryParams,
				this.headers, this.connectTimeout, this.readTimeout, this.firstChunkTimeout, this.streamIdleTimeout,
				maxConnections, pendingAcquireTimeout, this.maxResponseSize);
	}

	/**
	 * Return a copy that accepts answers up to another size.
	 * @param maxResponseSize the largest answer accepted: a whole non-streaming body, or
	 * one event of a stream
	 * @return the copy
	 */
	public ProviderSettings withMaxResponseSize(DataSize maxResponseSize) {
		return new ProviderSettings(this.name, this.baseUrl, this.apiKey, this.authHeader, this.queryParams,
				this.headers, this.connectTimeout, this.readTimeout, this.firstChunkTimeout, this.streamIdleTimeout,
				this.maxConnections, this.pendingAcquireTimeout, maxResponseSize);
	}

	@Override
	public String toString() {
		// The key is a secret: say only whether there is one.
		return "ProviderSettings[name=" + this.name + ", baseUrl=" + this.baseUrl + ", apiKey="
				+ ((this.apiKey != null) ? "(set)" : "(none)") + ", authHeader=" + this.authHeader + ", queryParams="
				+ this.queryParams.keySet() + ", headers=" + this.headers.keySet() + ", connectTimeout="
				+ this.connectTimeout + ", readTimeout=" + this.readTimeout + ", firstChunkTimeout="
				+ this.firstChunkTimeout + ", streamIdleTimeout=" + this.streamIdleTimeout + ", maxConnections="
				+ this.maxConnections + ", pendingAcquireTimeout=" + this.pendingAcquireTimeout + ", maxResponseSize="
				+ this.maxResponseSize + "]";
	}

}
