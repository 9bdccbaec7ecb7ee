package io.github.llmresilience.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.client.ProviderCatalogueTests.Fixture;
import io.github.llmresilience.client.ProviderVocabulary.Entry;
import io.github.llmresilience.client.ProviderVocabulary.StatusWord;
import io.github.llmresilience.client.ProviderVocabulary.Words;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every word of {@link ProviderVocabulary} that names a fixture of the provider catalogue
 * is proven by it: the fixture exists, a provider's answer in it holds the word, and the
 * catalogue expects it to be classified as the word's kind.
 */
class ProviderVocabularyTests {

	private final Map<String, Fixture> catalogue = ProviderCatalogueTests.fixtures()
		.collect(Collectors.toMap(Fixture::id, Function.identity()));

	@Test
	void everyWordIsInTheFixtureItNamesAndThatFixtureHasTheWordsKind() {
		List<String> problems = new ArrayList<>();
		int named = 0;
		for (Words words : ProviderVocabulary.ALL) {
			for (Entry entry : words.entries()) {
				if (entry.fixture() == null) {
					continue;
				}
				named++;
				Fixture fixture = this.catalogue.get(entry.fixture());
				if (fixture == null) {
					problems.add("'" + entry.text() + "' names " + entry.fixture() + ", which the catalogue lacks");
				}
				else if (!body(fixture).contains(entry.text())) {
					problems.add("'" + entry.text() + "' is not in " + entry.fixture());
				}
				else if (fixture.kind() != words.kind()) {
					problems.add("'" + entry.text() + "' says " + words.kind().value() + ", but " + entry.fixture()
							+ " is " + fixture.kind().value());
				}
			}
		}
		assertThat(problems).isEmpty();
		assertThat(named).isPositive();
	}

	@Test
	void everyStatusWordIsAValueOfTheFixtureItNames() {
		List<String> problems = new ArrayList<>();
		for (StatusWord word : ProviderVocabulary.STATUS_WORDS) {
			if (word.fixture() == null) {
				continue;
			}
			Fixture fixture = this.catalogue.get(word.fixture());
			if (fixture == null) {
				problems.add("'" + word.word() + "' names " + word.fixture() + ", which the catalogue lacks");
			}
			else if (!body(fixture).contains("\"" + word.word() + "\"")) {
				problems.add("'" + word.word() + "' is no value of " + word.fixture());
			}
		}
		assertThat(problems).isEmpty();
	}

	@Test
	void aWordStandsForOneStatus() {
		assertThat(ProviderVocabulary.STATUS_WORDS).extracting(StatusWord::word).doesNotHaveDuplicates();
		assertThat(ProviderVocabulary.statusOf("resource_exhausted")).isEqualTo(429);
		assertThat(ProviderVocabulary.statusOf("no_such_word")).isNull();
	}

	private static String body(Fixture fixture) {
		return new String(fixture.body(), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
	}

}
