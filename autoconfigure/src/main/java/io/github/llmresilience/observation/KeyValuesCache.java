package io.github.llmresilience.observation;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import io.micrometer.common.KeyValues;

/**
 * The key values of a default convention, built once per combination of tags. Few
 * combinations exist (tags are low-cardinality): building and sorting them once each
 * keeps them off the path of every call and attempt. The function that builds them is
 * held here, so that a look-up allocates nothing but its key.
 *
 * @param <K> the combination of tag values
 */
final class KeyValuesCache<K> {

	private final Map<K, KeyValues> keyValues = new ConcurrentHashMap<>();

	private final Function<K, KeyValues> build;

	KeyValuesCache(Function<K, KeyValues> build) {
		this.build = build;
	}

	KeyValues get(K key) {
		return this.keyValues.computeIfAbsent(key, this.build);
	}

}
