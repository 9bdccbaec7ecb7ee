package io.github.llmresilience;

import org.springframework.web.reactive.function.client.WebClient;

/**
 * Customizes the {@code WebClient} of one provider under {@code llm.providers}: add an
 * {@code ExchangeFilterFunction}, a header or a codec for that provider without replacing
 * any of llm-resilience's beans. Every bean of this type is applied, in order, to each
 * provider's builder, after llm-resilience has set its connector and headers and before
 * the client is built.
 *
 * <pre class="code">
 * &#064;Bean
 * LlmProviderCustomizer tracingHeader() {
 *     return (provider, builder) -&gt; {
 *         if (provider.equals("openai")) {
 *             builder.defaultHeader("OpenAI-Organization", "org-...");
 *         }
 *     };
 * }
 * </pre>
 */
@FunctionalInterface
public interface LlmProviderCustomizer {

	/**
	 * Customize the builder of a provider's {@code WebClient}.
	 * @param provider the provider's name under {@code llm.providers}
	 * @param builder the builder, already cloned for this provider
	 */
	void customize(String provider, WebClient.Builder builder);

}
