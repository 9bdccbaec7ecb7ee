package io.github.llmresilience.behaviour;

import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The tests of an auto-configuration's off switches: one test, "is off ...", for each way
 * it is switched off.
 */
public interface SwitchedOffTests {

	/**
	 * Return the ways the auto-configuration is switched off, each with the beans it then
	 * does not register.
	 * @return the ways
	 */
	List<SwitchedOff> switchesOff();

	@TestFactory
	default Stream<DynamicTest> isOff() {
		return switchesOff().stream()
			.map((switchedOff) -> DynamicTest.dynamicTest("is off " + switchedOff, switchedOff::assertOff));
	}

}
