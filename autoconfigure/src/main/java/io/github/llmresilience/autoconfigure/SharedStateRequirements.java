package io.github.llmresilience.autoconfigure;

import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.ClassUtils;

import io.github.llmresilience.shared.SharedStateUnavailableException;

/**
 * What {@code llm.shared-state.type=redis} needs, checked once the context knows its
 * beans: a {@code ReactiveRedisConnectionFactory} to share state through, and, when a
 * provider declares a request limit, bucket4j's Lettuce integration to hold it for the
 * fleet (without it the limit would silently hold per instance). A missing one stops the
 * start with a {@link SharedStateUnavailableException} that says what to add.
 */
final class SharedStateRequirements implements InitializingBean {

	static final String CONNECTION_FACTORY = "org.springframework.data.redis.connection.ReactiveRedisConnectionFactory";

	static final String BUCKET4J_LETTUCE = "io.github.bucket4j.redis.lettuce.Bucket4jLettuce";

	private final ListableBeanFactory beanFactory;

	private final @Nullable ClassLoader classLoader;

	private final ObjectProvider<LlmSettings> settings;

	SharedStateRequirements(ListableBeanFactory beanFactory, @Nullable ClassLoader classLoader,
			ObjectProvider<LlmSettings> settings) {
		this.beanFactory = beanFactory;
		this.classLoader = classLoader;
		this.settings = settings;
	}

	@Override
	public void afterPropertiesSet() {
		boolean springDataRedis = ClassUtils.isPresent(CONNECTION_FACTORY, this.classLoader);
		if (!springDataRedis || this.beanFactory.getBeanNamesForType(
				ClassUtils.resolveClassName(CONNECTION_FACTORY, this.classLoader), true, false).length == 0) {
			throw new SharedStateUnavailableException(
					"llm.shared-state.type=redis shares cooldowns and declared limits through Redis, but the "
							+ "application has "
							+ (springDataRedis ? "no ReactiveRedisConnectionFactory bean"
									: "no Spring Data Redis on its classpath"),
					"Add spring-boot-starter-data-redis-reactive to the application and point it at Redis "
							+ "(spring.data.redis.host, spring.data.redis.port or spring.data.redis.url), or define a "
							+ "ReactiveRedisConnectionFactory bean; or set llm.shared-state.type=none, and each "
							+ "instance learns on its own.");
		}
		if (!ClassUtils.isPresent(BUCKET4J_LETTUCE, this.classLoader)) {
			List<String> declared = new java.util.ArrayList<>();
			for (io.github.llmresilience.pacing.ProviderPacing provider : this.settings.getObject().pacing()) {
				if (provider.requestsPerMinute() > 0) {
					declared.add("llm.providers." + provider.provider() + ".rate-limit.requests-per-minute");
				}
				if (provider.tokensPerMinute() > 0) {
					declared.add("llm.providers." + provider.provider() + ".rate-limit.tokens-per-minute");
				}
			}
			if (!declared.isEmpty()) {
				throw new SharedStateUnavailableException("llm.shared-state.type=redis makes declared request limits "
						+ "hold for the whole fleet, with bucket4j's Lettuce integration, which is not on the classpath; "
						+ "without it " + declared + " would hold per instance",
						"Add com.bucket4j:bucket4j_jdk17-lettuce to the application, or remove the declared limits "
								+ "(the providers' rate-limit headers still pace the fleet).");
			}
		}
	}

}
