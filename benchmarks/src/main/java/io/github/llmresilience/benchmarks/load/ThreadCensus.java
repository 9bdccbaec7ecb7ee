package io.github.llmresilience.benchmarks.load;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which threads of this JVM a client under test uses and which it added, for clients that
 * run one after the other:
 * <ul>
 * <li>a thread belongs to the client that was running when the census first saw it
 * ({@link #claim(String)} after each of its runs), so the threads a client added are
 * those it created, its callers' pool included;</li>
 * <li>the threads a client used in a run are those that ran at least
 * {@value #MIN_CPU_MILLIS} ms of CPU time during it and are its own, were there before
 * the census started, or belong to a library that clients share (Reactor Netty's event
 * loops, OkHttp's task runner): those count for every client that ran on them. Another
 * client's threads that wake up for housekeeping do not count.</li>
 * </ul>
 * The JVM's own threads and the harness's are left out of both.
 */
final class ThreadCensus {

	static final long MIN_CPU_MILLIS = 1;

	private static final List<String> NOT_COUNTED = List.of("main", "resource-monitor", "bench-server-stdout",
			"process reaper", "Reference Handler", "Finalizer", "Signal Dispatcher", "Common-Cleaner",
			"Notification Thread", "Attach Listener", "Service Thread", "Monitor Deflation Thread", "Sweeper thread",
			"C1 CompilerThread", "C2 CompilerThread", "DestroyJavaVM");

	private static final String UNCOUNTED = "";

	private final String before;

	private final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory
		.getThreadMXBean();

	private final Map<Long, String> owners = new HashMap<>();

	/**
	 * Start a census: every thread alive now belongs to what ran before.
	 * @param before the owner of the threads alive now
	 */
	ThreadCensus(String before) {
		this.before = before;
		claim(before);
	}

	/**
	 * Give the threads that no one owns yet to a client.
	 * @param owner the client
	 */
	void claim(String owner) {
		for (ThreadInfo info : this.threads.getThreadInfo(this.threads.getAllThreadIds())) {
			if (info != null) {
				this.owners.putIfAbsent(info.getThreadId(), counted(info.getThreadName()) ? owner : UNCOUNTED);
			}
		}
	}

	/**
	 * Return how many live threads a client owns.
	 * @param owner the client
	 * @return the count
	 */
	int owned(String owner) {
		int count = 0;
		for (long id : this.threads.getAllThreadIds()) {
			if (owner.equals(this.owners.get(id))) {
				count++;
			}
		}
		return count;
	}

	/**
	 * Read every thread's CPU time and allocated bytes.
	 * @return the readings
	 */
	Snapshot snapshot() {
		long[] ids = this.threads.getAllThreadIds();
		long[] cpu = this.threads.getThreadCpuTime(ids);
		long[] allocated = this.threads.getThreadAllocatedBytes(ids);
		Map<Long, long[]> readings = new HashMap<>();
		for (int i = 0; i < ids.length; i++) {
			readings.put(ids[i], new long[] { cpu[i], allocated[i] });
		}
		return new Snapshot(readings);
	}

	private static boolean counted(String name) {
		for (String prefix : NOT_COUNTED) {
			if (name.startsWith(prefix)) {
				return false;
			}
		}
		return true;
	}

	/**
	 * Every thread's CPU time and allocated bytes at one moment.
	 */
	final class Snapshot {

		private final Map<Long, long[]> readings;

		private Snapshot(Map<Long, long[]> readings) {
			this.readings = readings;
		}

		/**
		 * Compare with a later snapshot.
		 * @param later the later snapshot
		 * @param owner the client that ran in between
		 * @param shared the name prefixes of the threads of libraries that clients share
		 * @return the threads the client used in between (see the class's description)
		 * and the bytes that all threads allocated (threads that ended in between are
		 * missing)
		 */
		Usage until(Snapshot later, String owner, List<String> shared) {
			int ran = 0;
			long allocated = 0;
			Map<String, Integer> names = new TreeMap<>();
			for (Map.Entry<Long, long[]> entry : later.readings.entrySet()) {
				long[] before = this.readings.getOrDefault(entry.getKey(), new long[] { 0, 0 });
				long[] after = entry.getValue();
				if (after[1] > 0) {
					allocated += after[1] - Math.max(before[1], 0);
				}
				if (after[0] - Math.max(before[0], 0) < MIN_CPU_MILLIS * 1_000_000) {
					continue;
				}
				ThreadInfo info = ThreadCensus.this.threads.getThreadInfo(entry.getKey());
				String name = (info != null) ? info.getThreadName() : "";
				String threadOwner = ThreadCensus.this.owners.get(entry.getKey());
				boolean counted = (threadOwner == null) ? counted(name)
						: !UNCOUNTED.equals(threadOwner)
								&& (threadOwner.equals(owner) || threadOwner.equals(ThreadCensus.this.before)
										|| shared.stream().anyMatch(name::startsWith));
				if (counted) {
					ran++;
					names.merge(name.replaceAll("[-_ #]*\\d+$", ""), 1, Integer::sum);
				}
			}
			return new Usage(ran, allocated, names);
		}

	}

	/**
	 * What the threads did between two snapshots.
	 *
	 * @param threadsThatRan the threads that ran at least
	 * {@value ThreadCensus#MIN_CPU_MILLIS} ms
	 * @param allocatedBytes the bytes allocated
	 * @param names how many of the threads that ran have each name, less its number
	 */
	record Usage(int threadsThatRan, long allocatedBytes, Map<String, Integer> names) {

		String describe() {
			StringBuilder text = new StringBuilder();
			this.names.forEach(
					(name, count) -> text.append(text.isEmpty() ? "" : ", ").append(name).append(" ×").append(count));
			return text.toString();
		}

	}

}
