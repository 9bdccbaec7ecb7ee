package io.github.llmresilience;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import io.github.llmresilience.FailureKind.RetriedWhen;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The columns of the failure table live in {@link FailureKind}, where the retry layer,
 * the fallback chain and the circuit breakers read them; here each column is held, for
 * every kind, to what {@code docs/reference/behaviour.md} tells users.
 */
class FailureKindTests {

	private static final Path BEHAVIOUR = Path.of("../docs/reference/behaviour.md");

	private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-z-]+)`\\s*\\|([^|]*)\\|([^|]*)\\|([^|]*)\\|\\s*$");

	private static Map<FailureKind, String[]> rows;

	private static List<String> lines;

	@BeforeAll
	static void readTheTable() throws IOException {
		lines = Files.readAllLines(BEHAVIOUR);
		rows = new LinkedHashMap<>();
		int start = lines
			.indexOf("| Kind | How it is recognised | Retried on the same target | Falls back by default |");
		assertThat(start).as("the failure table of docs/reference/behaviour.md").isNotNegative();
		for (String line : lines.subList(start + 2, lines.size())) {
			Matcher row = ROW.matcher(line);
			if (!row.matches()) {
				break;
			}
			FailureKind kind = FailureKind.fromValue(row.group(1));
			assertThat(kind).as(line).isNotNull();
			rows.put(kind, new String[] { row.group(2).trim(), row.group(3).trim(), row.group(4).trim() });
		}
	}

	@Test
	void theTableHasOneRowPerKind() {
		assertThat(rows.keySet()).containsExactly(FailureKind.values());
	}

	@ParameterizedTest
	@EnumSource(FailureKind.class)
	void theRetriedColumnSaysWhenTheKindIsRetried(FailureKind kind) {
		String retried = rows.get(kind)[1];
		switch (kind.retriedWhen()) {
			case NEVER -> assertThat(retried).matches("^(never|no request is sent).*");
			case STATUS_IS_LISTED -> assertThat(retried).startsWith("yes").contains("`retry-on-status`");
			case TIMEOUTS_ARE_RETRIED -> assertThat(retried).startsWith("yes").contains("`retry-on-timeout`");
			case CONNECTION_ERRORS_ARE_RETRIED ->
				assertThat(retried).startsWith("yes").contains("`retry-on-connection-error`");
		}
		if (kind.outcomeUnknown()) {
			assertThat(retried).contains("idempotent");
		}
		else {
			assertThat(retried).doesNotContain("idempotent");
		}
	}

	@ParameterizedTest
	@EnumSource(FailureKind.class)
	void theFallbackColumnSaysWhetherTheKindFallsBackByDefault(FailureKind kind) {
		String fallsBack = rows.get(kind)[2];
		if (kind.fallsBackByDefault()) {
			assertThat(fallsBack).startsWith("yes");
		}
		else {
			assertThat(fallsBack).matches("^(no|only if listed in `fallback-on`)$");
		}
		if (kind.outcomeUnknown()) {
			assertThat(fallsBack).containsAnyOf("idempotent", "same condition");
		}
		assertThat(FailureKind.defaultFallbackOn().contains(kind)).isEqualTo(kind.fallsBackByDefault());
	}

	@Test
	void theCircuitBreakerBulletsListTheRecordedAndTheIgnoredKinds() {
		Set<FailureKind> recorded = Arrays.stream(FailureKind.values())
			.filter(FailureKind::recordedByCircuitBreaker)
			.collect(Collectors.toSet());
		assertThat(kindsOfBullet("- Recorded as failures:")).isEqualTo(recorded);
		assertThat(kindsOfBullet("- Ignored, neither success nor failure:"))
			.isEqualTo(Arrays.stream(FailureKind.values())
				.filter((kind) -> !recorded.contains(kind))
				.collect(Collectors.toSet()));
	}

	@Test
	void onlyRetriedKindsHaveAnUnknownOutcome() {
		assertThat(Arrays.stream(FailureKind.values()).filter(FailureKind::outcomeUnknown))
			.allSatisfy((kind) -> assertThat(kind.retriedWhen()).isNotEqualTo(RetriedWhen.NEVER));
	}

	private static Set<FailureKind> kindsOfBullet(String start) {
		StringBuilder bullet = null;
		for (String line : lines) {
			if (line.startsWith(start)) {
				bullet = new StringBuilder(line);
			}
			else if (bullet != null && line.startsWith("  ")) {
				bullet.append(' ').append(line.trim());
			}
			else if (bullet != null) {
				break;
			}
		}
		assertThat(bullet).as("the bullet '%s' of docs/reference/behaviour.md", start).isNotNull();
		Matcher kind = Pattern.compile("`([a-z-]+)`").matcher(bullet);
		Set<FailureKind> kinds = new java.util.HashSet<>();
		while (kind.find()) {
			kinds.add(FailureKind.fromValue(kind.group(1)));
		}
		return kinds;
	}

}
