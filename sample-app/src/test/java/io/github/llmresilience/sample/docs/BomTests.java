package io.github.llmresilience.sample.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The BOM lists every module the build publishes, and nothing else, and its test
 * ({@code bom-tests}) depends on each of them: a new module that is published without
 * being added there fails here, with its name.
 */
class BomTests {

	private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

	private static final Pattern ARTIFACT = Pattern.compile("<artifactId>(llm-resilience-[^<]+)</artifactId>");

	@Test
	void theBomListsEveryPublishedModule() throws IOException {
		assertThat(artifacts(section(read("bom/pom.xml"), "dependencyManagement")))
			.containsExactlyInAnyOrderElementsOf(published());
	}

	@Test
	void theBomTestsResolveEveryArtifactOfTheBom() throws IOException {
		Set<String> bom = artifacts(section(read("bom/pom.xml"), "dependencyManagement"));
		Set<String> installed = artifacts(section(withoutParent(read("bom-tests/pom.xml")), "dependencies"));
		assertThat(installed).containsExactlyInAnyOrderElementsOf(union(bom, Set.of("llm-resilience-bom")));
		String application = read("bom-tests/src/it/import-the-bom/pom.xml");
		assertThat(artifacts(section(application, "dependencyManagement"))).containsExactly("llm-resilience-bom");
		assertThat(
				artifacts(section(application.replaceFirst("(?s)<dependencyManagement>.*?</dependencyManagement>", ""),
						"dependencies")))
			.containsExactlyInAnyOrderElementsOf(bom);
	}

	@Test
	void theSampleAppImportsTheBom() throws IOException {
		assertThat(artifacts(section(read("sample-app/pom.xml"), "dependencyManagement")))
			.containsExactly("llm-resilience-bom");
	}

	/**
	 * The artifacts of the modules that neither skip deployment nor are the BOM itself.
	 */
	private static Set<String> published() throws IOException {
		Set<String> published = new TreeSet<>();
		Matcher module = MODULE.matcher(read("pom.xml"));
		while (module.find()) {
			String pom = withoutParent(read(module.group(1) + "/pom.xml"));
			if (pom.contains("<maven.deploy.skip>true</maven.deploy.skip>")
					|| pom.contains("<packaging>pom</packaging>")) {
				continue;
			}
			Matcher artifact = ARTIFACT.matcher(pom);
			assertThat(artifact.find()).as("the artifactId of module %s", module.group(1)).isTrue();
			published.add(artifact.group(1));
		}
		assertThat(published).as("the published modules").isNotEmpty();
		return published;
	}

	private static Set<String> artifacts(String xml) {
		return ARTIFACT.matcher(xml)
			.results()
			.map((artifact) -> artifact.group(1))
			.collect(Collectors.toCollection(TreeSet::new));
	}

	private static Set<String> union(Set<String> first, Set<String> second) {
		Set<String> union = new TreeSet<>(first);
		union.addAll(second);
		return union;
	}

	private static String section(String xml, String element) {
		int start = xml.indexOf("<" + element + ">");
		int end = xml.indexOf("</" + element + ">", start);
		assertThat(start).as("<%s> in %s", element, xml.lines().limit(3).toList()).isNotNegative();
		return xml.substring(start, end);
	}

	private static String withoutParent(String xml) {
		return xml.replaceFirst("(?s)<parent>.*?</parent>", "");
	}

	private static String read(String path) throws IOException {
		return Files.readString(MarkdownDocument.ROOT.resolve(Path.of(path)));
	}

}
