package io.github.llmresilience.docs;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.ClassUtils;
import org.springframework.util.unit.DataSize;

import io.github.llmresilience.FailureKind;
import io.github.llmresilience.autoconfigure.LlmProperties;
import io.github.llmresilience.observation.LlmMeters;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/reference/configuration.md} cannot drift from the code: its tables list
 * exactly the properties of the generated configuration metadata and, for the values of
 * the {@code llm.providers} and {@code llm.policies} maps (which the metadata describes
 * only as maps), exactly the fields of {@link LlmProperties}' nested classes, each with
 * its real type and default. The guides name only properties that exist, and list every
 * failure kind.
 */
class ConfigurationDocumentationTests {

	private static final Path ROOT = Path.of("..");

	private static final Path CONFIGURATION = ROOT.resolve("docs/reference/configuration.md");

	private static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");

	/**
	 * The documents whose {@code llm.*} names must exist.
	 */
	private static final List<String> GUIDES = List.of("README.md", "docs/getting-started.md",
			"docs/reference/configuration.md", "docs/reference/behaviour.md", "docs/guides/streaming.md",
			"docs/guides/testing.md", "docs/project/architecture.md", "docs/guides/extending.md",
			"docs/guides/fleet.md");

	/**
	 * Where the rows of a map's values sit: {@code llm.providers.<name>.base-url}.
	 */
	private static final String MAP_KEY = "<name>";

	/**
	 * Where the rows of a list's elements sit:
	 * {@code llm.policies.<name>.fallbacks[n].model}.
	 */
	private static final String LIST_INDEX = "[n]";

	private static final String NO_DEFAULT = "—";

	private static final Pattern ROW = Pattern.compile("^\\|\\s*`(llm\\.[^`]+)`\\s*\\|(.*)\\|\\s*$");

	private static final Pattern INLINE_CODE = Pattern.compile("`([^`]+)`");

	private static final Pattern MAP_OF_NESTED = Pattern.compile("java\\.util\\.Map<java\\.lang\\.String,\\s*"
			+ Pattern.quote(LlmProperties.class.getName()) + "\\$(\\w+)>");

	@Test
	void documentsEveryPropertyAndNoOther() throws IOException {
		Set<String> documented = documentedRows().keySet();
		Set<String> expected = expectedProperties().keySet();
		assertThat(difference(expected, documented)).as("properties missing from docs/reference/configuration.md")
			.isEmpty();
		assertThat(difference(documented, expected)).as("rows of docs/reference/configuration.md that are no property")
			.isEmpty();
	}

	@Test
	void documentsTheTypeOfEveryProperty() throws IOException {
		Map<String, Row> documented = documentedRows();
		List<String> problems = new ArrayList<>();
		expectedProperties().forEach((name, property) -> {
			Row row = documented.get(name);
			if (row != null && !row.type().equals(property.type())) {
				problems.add(name + " is documented as " + row.type() + " but is a " + property.type());
			}
		});
		assertThat(problems).isEmpty();
	}

	@Test
	void documentsTheDefaultOfEveryProperty() throws IOException {
		Map<String, Row> documented = documentedRows();
		Map<String, Property> expected = expectedProperties();
		List<String> problems = new ArrayList<>();
		expected.forEach((name, property) -> {
			Row row = documented.get(name);
			if (row == null) {
				return;
			}
			String problem = checkDefault(name, row.defaultValue(), property, expected);
			if (problem != null) {
				problems.add(problem);
			}
			if (row.meaning().isBlank()) {
				problems.add(name + " has no meaning");
			}
		});
		assertThat(problems).isEmpty();
	}

	/**
	 * The defaults of {@code llm.defaults.*} are set in code (their fields are nullable,
	 * so that a policy's or provider's unset field can inherit), so IDEs learn them from
	 * the additional metadata, which must say the same.
	 */
	@Test
	void theMetadataStatesTheDefaultOfEveryPropertyThatHasOne() throws IOException {
		JsonNode metadata = JsonMapper.builder().build().readTree(Files.readString(METADATA));
		List<String> problems = new ArrayList<>();
		for (JsonNode property : metadata.get("properties")) {
			String name = property.get("name").asString();
			if (!name.startsWith("llm.") || MAP_OF_NESTED.matcher(property.get("type").asString()).matches()) {
				continue;
			}
			Object actual = defaultOf(name);
			boolean empty = actual == null || actual instanceof Collection<?> collection && collection.isEmpty()
					|| actual instanceof Map<?, ?> map && map.isEmpty();
			JsonNode stated = property.get("defaultValue");
			if (empty) {
				if (stated != null && !(stated.isArray() && stated.isEmpty())) {
					problems.add(name + " states the default " + stated + " but has none");
				}
			}
			else if (stated == null) {
				problems.add(name + " does not state its default " + render(actual));
			}
			else if (!sameValue(stated.isArray() ? render(elementsOf(stated)) : stated.asString(), actual)) {
				problems.add(name + " states the default " + stated + " but defaults to " + render(actual));
			}
		}
		assertThat(problems).isEmpty();
	}

	private static List<String> elementsOf(JsonNode array) {
		List<String> elements = new ArrayList<>();
		array.forEach((element) -> elements.add(element.asString()));
		return elements;
	}

	@Test
	void theGuidesNameOnlyPropertiesThatExist() throws IOException {
		Set<String> properties = expectedProperties().keySet();
		List<String> meters = Arrays.stream(LlmMeters.values()).map(LlmMeters::getName).toList();
		List<String> problems = new ArrayList<>();
		for (String guide : GUIDES) {
			for (String code : inlineCode(ROOT.resolve(guide))) {
				if (!code.startsWith("llm.") || code.contains("(")) {
					// Not a property: a method call on a variable named llm.
					continue;
				}
				String name = normalize(code.replaceAll("\\.\\*$", ""));
				boolean meter = meters.stream()
					.anyMatch((meter1) -> name.equals(meter1) || name.startsWith(meter1 + ".")
							|| name.startsWith(meter1 + "{"));
				boolean property = name.equals("llm") || properties.stream()
					.anyMatch((candidate) -> candidate.equals(name) || candidate.startsWith(name + ".")
							|| candidate.startsWith(name + "["));
				if (!meter && !property) {
					problems.add(guide + ": `" + code + "` is neither a property nor a meter");
				}
			}
		}
		assertThat(problems).isEmpty();
	}

	@Test
	void everyTableOfFailureKindsListsEachKindOnce() throws IOException {
		List<String> kinds = Arrays.stream(FailureKind.values()).map(FailureKind::value).toList();
		for (String guide : List.of("docs/reference/configuration.md", "docs/reference/behaviour.md")) {
			List<String> tables = kindTables(Files.readAllLines(ROOT.resolve(guide)));
			assertThat(tables).as("tables of failure kinds in %s", guide).isNotEmpty();
			assertThat(tables).as(guide)
				.allSatisfy((table) -> assertThat(table.split(",")).containsExactlyInAnyOrderElementsOf(kinds));
		}
	}

	/**
	 * Return the first column of each table whose header starts with "Kind", joined by
	 * commas.
	 */
	private static List<String> kindTables(List<String> lines) {
		List<String> tables = new ArrayList<>();
		List<String> current = null;
		for (String line : lines) {
			if (line.matches("^\\|\\s*Kind\\s*\\|.*")) {
				current = new ArrayList<>();
			}
			else if (current != null && line.startsWith("|")) {
				Matcher kind = Pattern.compile("^\\|\\s*`([a-z-]+)`").matcher(line);
				if (kind.find()) {
					current.add(kind.group(1));
				}
			}
			else if (current != null) {
				tables.add(String.join(",", current));
				current = null;
			}
		}
		if (current != null) {
			tables.add(String.join(",", current));
		}
		return tables;
	}

	private static @Nullable String checkDefault(String name, String documented, Property property,
			Map<String, Property> all) {
		Object actual = property.defaultValue();
		if (documented.equals(NO_DEFAULT)) {
			return (actual == null) ? null
					: name + " is documented without a default but defaults to " + render(actual);
		}
		if (documented.startsWith("llm.")) {
			// An override that falls back to another property, such as
			// llm.defaults.retry.jitter.
			if (actual != null) {
				return name + " is documented as taking " + documented + " but defaults to " + render(actual);
			}
			if (!all.containsKey(documented) || !leaf(documented).equals(leaf(name))) {
				return name + " is documented as taking " + documented + ", which is no property of the same name";
			}
			return null;
		}
		if (actual == null) {
			return name + " is documented with the default " + documented + " but has none";
		}
		return sameValue(documented, actual) ? null
				: name + " is documented with the default " + documented + " but defaults to " + render(actual);
	}

	private static boolean sameValue(String documented, Object actual) {
		if (actual instanceof Duration duration) {
			return DurationStyle.detectAndParse(documented).equals(duration);
		}
		if (actual instanceof DataSize size) {
			return DataSize.parse(documented).equals(size);
		}
		if (actual instanceof Number number) {
			return new BigDecimal(documented).compareTo(new BigDecimal(number.toString())) == 0;
		}
		if (actual instanceof Enum<?> constant) {
			// The metadata and the tables write an enum's value as a property's value:
			// none, redis.
			return documented.equalsIgnoreCase(constant.name().replace('_', '-'));
		}
		if (actual instanceof Collection<?> || actual instanceof Map<?, ?>) {
			return elements(documented).equals(elements(render(actual)))
					&& (!(actual instanceof List<?>) || documented.equals(render(actual)));
		}
		return documented.equals(String.valueOf(actual));
	}

	private static Set<String> elements(String rendered) {
		String inner = rendered.substring(1, rendered.length() - 1).trim();
		return inner.isEmpty() ? Set.of()
				: Arrays.stream(inner.split(",")).map(String::trim).collect(Collectors.toSet());
	}

	private static String render(Object value) {
		if (value instanceof Collection<?> collection) {
			return collection.stream()
				.map(ConfigurationDocumentationTests::render)
				.collect(Collectors.joining(", ", "[", "]"));
		}
		if (value instanceof Map<?, ?> map) {
			return map.entrySet()
				.stream()
				.map((entry) -> entry.getKey() + ": " + entry.getValue())
				.collect(Collectors.joining(", ", "{", "}"));
		}
		if (value instanceof FailureKind kind) {
			return kind.value();
		}
		if (value instanceof Class<?> type) {
			return type.getName();
		}
		return String.valueOf(value);
	}

	/**
	 * Return the rows of the property tables of {@code docs/reference/configuration.md},
	 * by property.
	 */
	private static Map<String, Row> documentedRows() throws IOException {
		Map<String, Row> rows = new LinkedHashMap<>();
		for (String line : Files.readAllLines(CONFIGURATION)) {
			Matcher row = ROW.matcher(line);
			if (!row.matches()) {
				continue;
			}
			String[] cells = row.group(2).split("\\|", -1);
			assertThat(cells).as(line).hasSize(3);
			Row previous = rows.put(row.group(1), new Row(unquote(cells[0]), unquote(cells[1]), cells[2].trim()));
			assertThat(previous).as("second row for %s", row.group(1)).isNull();
		}
		return rows;
	}

	private static String unquote(String cell) {
		String trimmed = cell.trim();
		return (trimmed.startsWith("`") && trimmed.endsWith("`")) ? trimmed.substring(1, trimmed.length() - 1)
				: trimmed;
	}

	/**
	 * Return every property: those of the metadata, with the map-valued ones replaced by
	 * the fields of their value types.
	 */
	private static Map<String, Property> expectedProperties() throws IOException {
		assertThat(METADATA).as("the configuration metadata (run the compile phase first)").isRegularFile();
		JsonNode metadata = JsonMapper.builder().build().readTree(Files.readString(METADATA));
		Map<String, Property> properties = new LinkedHashMap<>();
		for (JsonNode property : metadata.get("properties")) {
			String name = property.get("name").asString();
			String type = property.get("type").asString();
			if (!name.startsWith("llm.")) {
				continue;
			}
			Matcher map = MAP_OF_NESTED.matcher(type);
			if (map.matches()) {
				Class<?> valueType = nestedClass(map.group(1));
				expand(valueType, name + "." + MAP_KEY, newInstance(valueType), properties);
			}
			else {
				properties.put(name, new Property(simpleName(type), defaultOf(name)));
			}
		}
		return properties;
	}

	/**
	 * Add the leaf properties of a properties class, following nested properties classes
	 * and lists of them.
	 */
	private static void expand(Class<?> type, String prefix, Object instance, Map<String, Property> properties) {
		if (isPropertiesClass(type.getSuperclass())) {
			expand(type.getSuperclass(), prefix, instance, properties);
		}
		for (Field field : type.getDeclaredFields()) {
			if (Modifier.isStatic(field.getModifiers())) {
				continue;
			}
			String name = prefix + "." + kebab(field.getName());
			Object value = read(field, instance);
			Class<?> element = listElement(field.getGenericType());
			if (isPropertiesClass(field.getType())) {
				expand(field.getType(), name, value, properties);
			}
			else if (element != null && isPropertiesClass(element)) {
				expand(element, name + LIST_INDEX, newInstance(element), properties);
			}
			else {
				properties.put(name, new Property(simpleName(typeName(field)), value));
			}
		}
	}

	/**
	 * Return the default of a property of the metadata, read from a new
	 * {@link LlmProperties}.
	 */
	private static @Nullable Object defaultOf(String property) {
		Object current = new LlmProperties();
		for (String segment : property.substring("llm.".length()).split("\\.")) {
			Field field = field(current.getClass(), camel(segment));
			current = read(field, current);
			if (current == null) {
				return null;
			}
		}
		return current;
	}

	private static boolean isPropertiesClass(Class<?> type) {
		return type.getEnclosingClass() == LlmProperties.class && !type.isEnum();
	}

	private static @Nullable Class<?> listElement(Type type) {
		if (type instanceof ParameterizedType parameterized && parameterized.getRawType() == List.class
				&& parameterized.getActualTypeArguments()[0] instanceof Class<?> element) {
			return element;
		}
		return null;
	}

	private static String typeName(Field field) {
		return field.getType().isPrimitive() ? ClassUtils.resolvePrimitiveIfNecessary(field.getType()).getName()
				: field.getGenericType().getTypeName();
	}

	/**
	 * Return a type name as the documentation writes it:
	 * {@code java.util.Set<java.lang.Integer>} becomes {@code Set<Integer>}.
	 */
	static String simpleName(String typeName) {
		return typeName.replaceAll("\\b[a-z][a-z0-9_]*\\.", "").replaceAll("\\b\\w+\\$", "").replaceAll(",\\s*", ", ");
	}

	private static String kebab(String camel) {
		return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
	}

	private static String camel(String kebab) {
		Matcher matcher = Pattern.compile("-([a-z0-9])").matcher(kebab);
		StringBuilder camel = new StringBuilder();
		while (matcher.find()) {
			matcher.appendReplacement(camel, matcher.group(1).toUpperCase());
		}
		return matcher.appendTail(camel).toString();
	}

	private static String leaf(String property) {
		return property.substring(property.lastIndexOf('.') + 1);
	}

	/**
	 * Write a property as the tables do: the name of a provider or a policy becomes
	 * {@code <name>}, a list index {@code [n]}, and a value or a tag set is dropped.
	 */
	private static String normalize(String code) {
		String name = code.split("[=\\s:]", 2)[0];
		name = name.replaceAll("^llm\\.(providers|policies)\\.[a-z0-9-]+(?=\\.|$)", "llm.$1." + MAP_KEY);
		name = name.replaceAll("^llm\\.(providers|policies)\\.<name>", "llm.$1." + MAP_KEY);
		return name.replaceAll("\\[\\d+\\]", LIST_INDEX);
	}

	private static List<String> inlineCode(Path document) throws IOException {
		List<String> code = new ArrayList<>();
		boolean inBlock = false;
		for (String line : Files.readAllLines(document)) {
			if (line.startsWith("```")) {
				inBlock = !inBlock;
				continue;
			}
			if (!inBlock) {
				INLINE_CODE.matcher(line).results().forEach((match) -> code.add(match.group(1)));
			}
		}
		return code;
	}

	private static Set<String> difference(Set<String> left, Set<String> right) {
		Set<String> difference = new TreeSet<>(left);
		difference.removeAll(right);
		return difference;
	}

	private static Class<?> nestedClass(String simpleName) {
		return Arrays.stream(LlmProperties.class.getDeclaredClasses())
			.filter((candidate) -> candidate.getSimpleName().equals(simpleName))
			.findFirst()
			.orElseThrow();
	}

	private static Object newInstance(Class<?> type) {
		try {
			return type.getDeclaredConstructor().newInstance();
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Field field(Class<?> type, String name) {
		try {
			return type.getDeclaredField(name);
		}
		catch (NoSuchFieldException ex) {
			throw new IllegalStateException("No field " + name + " in " + type.getName(), ex);
		}
	}

	private static @Nullable Object read(Field field, Object instance) {
		try {
			field.setAccessible(true);
			return field.get(instance);
		}
		catch (IllegalAccessException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * A property as the code defines it.
	 *
	 * @param type its type as the documentation writes it
	 * @param defaultValue its default, {@code null} for none
	 */
	private record Property(String type, @Nullable Object defaultValue) {

	}

	/**
	 * A row of a property table.
	 *
	 * @param type the type column, without backticks
	 * @param defaultValue the default column, without backticks
	 * @param meaning the meaning column
	 */
	private record Row(String type, String defaultValue, String meaning) {

	}

}
