package io.github.llmresilience.benchmarks.load;

import java.lang.management.ManagementFactory;

/**
 * CPU time of this JVM, all threads together: on a machine shared with other work, CPU
 * per call is steadier than throughput.
 */
final class Cpu {

	private Cpu() {
	}

	static long thisProcess() {
		if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
			return os.getProcessCpuTime();
		}
		return 0;
	}

}
