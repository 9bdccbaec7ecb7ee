package io.github.llmresilience.sample.docs;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.github.llmresilience.sample.docs.MarkdownDocument.CodeBlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The README and the user guides cannot drift from the code: every Java, YAML and XML
 * example comes verbatim from a compiled (or tested) source file named in a
 * {@code <!-- snippet: ... -->} marker, every type and method the prose names exists, and
 * every link leads somewhere.
 */
class DocumentationTests {

	/**
	 * Languages whose blocks are code a user copies, so they must come from a checked
	 * source.
	 */
	private static final Set<String> CHECKED_LANGUAGES = Set.of("java", "yaml", "yml", "xml", "properties", "kotlin");

	/**
	 * The marker of a Maven dependency on one of this project's artifacts.
	 */
	private static final String COORDINATES = "coordinates";

	/**
	 * Documents that other parts of the project own and may not exist yet.
	 */
	private static final Set<String> OWNED_ELSEWHERE = Set.of("benchmarks.md");

	/**
	 * Where the types named in the prose are looked up, after the project's own packages.
	 */
	private static final List<String> PACKAGES = List.of("io.github.llmresilience",
			"io.github.llmresilience.autoconfigure", "io.github.llmresilience.client",
			"io.github.llmresilience.execution", "io.github.llmresilience.interceptor",
			"io.github.llmresilience.observation", "io.github.llmresilience.pacing", "io.github.llmresilience.shared",
			"io.github.llmresilience.policy", "io.github.llmresilience.actuate", "io.github.llmresilience.support",
			"io.github.llmresilience.testkit", "io.github.llmresilience.sample", "io.github.llmresilience.sample.it",
			"java.lang", "java.time", "java.util", "java.util.concurrent", "java.util.random",
			"org.springframework.boot", "reactor.core.publisher", "reactor.core.scheduler", "reactor.test",
			"reactor.netty.resources", "reactor.netty.http.client", "org.springframework.web.reactive.function.client",
			"org.springframework.boot.http.client", "org.springframework.boot.http.client.reactive",
			"org.springframework.core", "org.springframework.aop.support.annotation", "org.springframework.util.unit",
			"org.springframework.resilience.annotation", "org.springframework.test.context",
			"io.github.resilience4j.retry", "io.github.resilience4j.circuitbreaker",
			"io.github.resilience4j.reactor.retry", "io.github.resilience4j.common.circuitbreaker.configuration",
			"io.github.resilience4j.common.retry.configuration", "org.springframework.boot.webclient",
			"org.springframework.core.annotation", "org.springframework.transaction.annotation",
			"org.junit.jupiter.api", "org.junit.jupiter.api.extension",
			"io.github.resilience4j.reactor.circuitbreaker.operator", "io.github.resilience4j.micrometer.tagged",
			"io.micrometer.observation", "io.micrometer.observation.docs", "io.micrometer.core.instrument",
			"io.micrometer.core.instrument.docs", "io.micrometer.core.instrument.observation",
			"io.github.llmresilience.springai", "io.github.llmresilience.springai.autoconfigure",
			"org.springframework.aot.hint", "org.springframework.aot.hint.predicate",
			"org.springframework.beans.factory.aot", "org.springframework.ai.chat.client",
			"org.springframework.ai.chat.client.advisor", "org.springframework.ai.chat.model",
			"org.springframework.ai.chat.prompt", "org.springframework.ai.chat.messages",
			"org.springframework.ai.model.tool", "org.springframework.ai.tool.annotation",
			"org.springframework.ai.embedding", "io.github.llmresilience.langchain4j",
			"io.github.llmresilience.langchain4j.autoconfigure", "dev.langchain4j.model.chat",
			"dev.langchain4j.model.chat.listener", "dev.langchain4j.model.chat.response", "dev.langchain4j.service",
			"dev.langchain4j.agent.tool", "dev.langchain4j.data.message", "dev.langchain4j.model.embedding",
			"dev.langchain4j.rag.content.retriever", "dev.langchain4j.store.embedding", "org.jspecify.annotations",
			"io.netty.util", "io.netty.handler.codec.http");

	private static final Pattern TYPE_REFERENCE = Pattern
		.compile("^@?([A-Z][A-Za-z0-9]*)((?:\\.[a-zA-Z]\\w*(?:\\(.*?\\))?)*)");

	private static final Pattern XML_ELEMENT = Pattern.compile("<(groupId|artifactId|version|scope)>([^<]+)</\\1>");

	@Test
	void everyCodeExampleComesFromACheckedSourceFile() throws IOException {
		assertEveryDocument((document, problems) -> {
			for (CodeBlock block : document.codeBlocks()) {
				if (!CHECKED_LANGUAGES.contains(block.language())) {
					continue;
				}
				if (block.source() == null) {
					problems.add(block + " has no <!-- snippet: ... --> marker naming its source");
				}
				else if (block.source().equals(COORDINATES)) {
					problems.addAll(coordinateProblems(block));
				}
				else {
					Path source = MarkdownDocument.ROOT.resolve(block.source());
					if (!Files.isRegularFile(source)) {
						problems.add(block + " names " + block.source() + ", which does not exist");
					}
					else if (!Snippets.contains(Files.readAllLines(source), block.content())) {
						problems.add(block + " does not appear verbatim in " + block.source());
					}
				}
			}
		});
	}

	@Test
	void everyTypeAndMethodTheProseNamesExists() throws IOException {
		assertEveryDocument((document, problems) -> {
			for (String code : document.inlineCode()) {
				Matcher reference = TYPE_REFERENCE.matcher(code);
				if (!reference.find() || code.contains(" ") && !code.contains("(") || code.matches("[A-Z0-9_]+")) {
					// Not a type: a sentence, an environment variable, a constant.
					continue;
				}
				String name = reference.group(1);
				Optional<Class<?>> type = type(name);
				if (type.isEmpty()) {
					if (!isPlainWord(code, name)) {
						problems.add(document.name() + ": `" + code + "` names an unknown type " + name);
					}
					continue;
				}
				String problem = checkMembers(type.get(), reference.group(2));
				if (problem != null) {
					problems.add(document.name() + ": `" + code + "`: " + problem);
				}
			}
		});
	}

	@Test
	void noDocumentCitesADocumentUsersDoNotHave() throws IOException {
		List<String> problems = new ArrayList<>();
		List<Path> documents = new ArrayList<>(MarkdownDocument.owned().stream().map(MarkdownDocument::path).toList());
		documents.add(MarkdownDocument.ROOT.resolve("docs/project/benchmarks.md"));
		for (Path document : documents) {
			List<String> lines = Files.readAllLines(document);
			for (int i = 0; i < lines.size(); i++) {
				if (lines.get(i).contains("DESIGN")) {
					problems.add(MarkdownDocument.ROOT.relativize(document) + ":" + (i + 1)
							+ " cites DESIGN, which users do not have: link the section of docs/ instead");
				}
			}
		}
		assertThat(problems).isEmpty();
	}

	@Test
	void everyLinkLeadsToAFileAndAHeadingThatExist() throws IOException {
		assertEveryDocument((document, problems) -> {
			for (String link : document.links()) {
				if (link.startsWith("http://") || link.startsWith("https://")) {
					continue;
				}
				String[] parts = link.split("#", 2);
				Path target = parts[0].isEmpty() ? document.path()
						: document.path().getParent().resolve(parts[0]).normalize();
				if (!Files.exists(target)) {
					if (!OWNED_ELSEWHERE.contains(target.getFileName().toString())) {
						problems.add(document.name() + ": the link " + link + " leads nowhere");
					}
					continue;
				}
				if (parts.length == 2 && !MarkdownDocument.read(target).anchors().contains(parts[1])) {
					problems.add(document.name() + ": the link " + link + " names a heading that does not exist");
				}
			}
		});
	}

	/**
	 * Assert that a check of every document the project owns finds nothing wrong.
	 */
	private static void assertEveryDocument(DocumentCheck check) throws IOException {
		List<String> problems = new ArrayList<>();
		for (MarkdownDocument document : MarkdownDocument.owned()) {
			check.check(document, problems);
		}
		assertThat(problems).isEmpty();
	}

	/**
	 * A check of one document, adding what it finds wrong to the problems.
	 */
	@FunctionalInterface
	private interface DocumentCheck {

		void check(MarkdownDocument document, List<String> problems) throws IOException;

	}

	@Test
	void theSnippetMatcherIgnoresOnlyIndentation() {
		List<String> source = List.of("class A {", "", "\tvoid a() {", "\t\tb();", "\t}", "", "}");
		assertThat(Snippets.contains(source, List.of("void a() {", "    b();", "}"))).isTrue();
		assertThat(Snippets.contains(source, List.of("void a() {", "b();", "}"))).isFalse();
		assertThat(Snippets.contains(source, List.of("void a() {", "    c();", "}"))).isFalse();
	}

	private static List<String> coordinateProblems(CodeBlock block) throws IOException {
		String xml = String.join("\n", block.content());
		String group = element(xml, "groupId");
		String artifact = element(xml, "artifactId");
		String version = element(xml, "version");
		List<String> problems = new ArrayList<>();
		if (!"io.github.llmresilience".equals(group)) {
			problems.add(block + " has groupId " + group);
		}
		if (!moduleArtifacts().contains(artifact)) {
			problems
				.add(block + " names " + artifact + ", which is not an artifact of this project " + moduleArtifacts());
		}
		String projectVersion = element(
				Files.readString(MarkdownDocument.ROOT.resolve("pom.xml")).replaceFirst("(?s)<parent>.*?</parent>", ""),
				"version");
		if (!projectVersion.equals(version)) {
			problems.add(block + " has version " + version + " but the project is at " + projectVersion);
		}
		return problems;
	}

	private static Set<String> moduleArtifacts() throws IOException {
		try (Stream<Path> modules = Files.list(MarkdownDocument.ROOT)) {
			return modules.map((module) -> module.resolve("pom.xml")).filter(Files::isRegularFile).map((pom) -> {
				try {
					return element(Files.readString(pom).replaceFirst("(?s)<parent>.*?</parent>", ""), "artifactId");
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			}).collect(java.util.stream.Collectors.toSet());
		}
	}

	private static String element(String xml, String name) {
		Matcher matcher = XML_ELEMENT.matcher(xml);
		while (matcher.find()) {
			if (matcher.group(1).equals(name)) {
				return matcher.group(2).trim();
			}
		}
		return fail("No <" + name + "> in\n" + xml);
	}

	private static Optional<Class<?>> type(String name) {
		for (String pkg : PACKAGES) {
			try {
				return Optional.of(Class.forName(pkg + "." + name, false, DocumentationTests.class.getClassLoader()));
			}
			catch (ClassNotFoundException ex) {
				// try the next package
			}
		}
		return Optional.empty();
	}

	/**
	 * Whether inline code that starts with a capital is a word rather than a type, such
	 * as the header name {@code `Authorization`}.
	 */
	private static boolean isPlainWord(String code, String name) {
		return code.equals(name) && Set.of("Authorization").contains(name);
	}

	/**
	 * Follow a chain such as {@code .builder().idempotent(false)} from a type, member by
	 * member.
	 */
	private static String checkMembers(Class<?> type, String chain) {
		Class<?> current = type;
		Matcher member = Pattern.compile("\\.([a-zA-Z]\\w*)(\\(.*?\\))?").matcher(chain);
		while (member.find()) {
			String name = member.group(1);
			Class<?> owner = current;
			Optional<Method> method = Stream
				.concat(Arrays.stream(owner.getMethods()), Arrays.stream(owner.getDeclaredMethods()))
				.filter((candidate) -> candidate.getName().equals(name))
				.findFirst();
			if (method.isPresent()) {
				current = method.get().getReturnType();
				continue;
			}
			Optional<Class<?>> nested = Arrays.stream(owner.getClasses())
				.filter((candidate) -> candidate.getSimpleName().equals(name))
				.findFirst();
			if (nested.isPresent()) {
				current = nested.get();
				continue;
			}
			boolean field = Arrays.stream(owner.getFields())
				.anyMatch(
						(candidate) -> candidate.getName().equals(name) && Modifier.isStatic(candidate.getModifiers()));
			if (!field) {
				return owner.getSimpleName() + " has no public member " + name;
			}
			return null;
		}
		return null;
	}

}
