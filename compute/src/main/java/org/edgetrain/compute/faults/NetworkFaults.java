package org.edgetrain.compute.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A network to break: each device in a Linux network namespace of its own, with one address on a bridge of this host,
 * and the faults a Wi-Fi fleet sees made with the kernel's own tools. A cut is {@code iptables} DROP rules between
 * chosen namespaces (both directions); a slow link is a {@code tc tbf} rate limit on both ends of a device's link; a
 * lossy one, {@code iptables}' random {@code statistic} match. Delay and jitter: the kernel this was built on has no
 * netem qdisc ("Specified qdisc kind is unknown"), so a network made {@link #createWithDelayLines with delay lines}
 * gives each device a link of two TAP interfaces joined by a small process of its own ({@link DelayLine}, Python's
 * standard library) that holds every frame the device sends for the link's delay and jitter, as netem on the device's
 * interface would; a plain network ({@link #create}) joins them with a veth pair, which costs nothing and cannot delay.
 *
 * <p>Devices are started through {@link #prefix}, which gives each new device name the next namespace. Everything on
 * the host's side (the test's client, tools) reaches every namespace through the bridge, whatever the cuts between
 * devices. Needs root, {@code ip} (iproute2) and {@code iptables}; {@link #missing} says what is absent.
 *
 * <p>Not thread-safe: one test or benchmark drives it. {@link #close} deletes everything it made, and kills what still
 * runs in its namespaces, even after a failure.
 */
public final class NetworkFaults implements AutoCloseable {
    /** Discovery, communication and client ports inside every namespace (each device has the addresses to itself). */
    private static final int DISCOVERY_PORT = 47500;
    /** How long a JDBC read at a device may wait for its answer (a query of the scenarios times out at 10 s). */
    private static final int JDBC_TIMEOUT_MILLIS = 20_000;

    private final int subnet;
    private final int capacity;
    private final Path dir;
    private final boolean delayLines;
    private final Map<String, Integer> placed = new LinkedHashMap<>();
    /** Each namespace's delay line, by index, when the network has them. */
    private final Map<Integer, DelayLine> delays = new LinkedHashMap<>();

    private NetworkFaults(int subnet, int capacity, Path dir, boolean delayLines) {
        this.subnet = subnet;
        this.capacity = capacity;
        this.dir = dir;
        this.delayLines = delayLines;
    }

    /** @return what this host lacks to make the network (root, ip, iptables), or null when nothing is missing */
    public static String missing() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network namespaces need root (running as " + System.getProperty("user.name") + ")";
        }
        for (String tool : List.of("ip", "iptables", "tc")) {
            try {
                if (new ProcessBuilder(tool, "-V").redirectErrorStream(true).start().waitFor() != 0) {
                    return tool + " -V failed";
                }
            } catch (IOException e) {
                return tool + " is not installed (Debian: apt-get install iproute2 iptables)";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "interrupted";
            }
        }
        return null;
    }

    /**
     * Makes a bridge and {@code capacity} namespaces on a free 10.99.N.0/24 subnet, and the node files of its devices
     * and of the host's client in {@code dir}.
     */
    public static NetworkFaults create(int capacity, Path dir) {
        return create(capacity, dir, false);
    }

    /**
     * As {@link #create}, each device's link a delay line, so that {@link #delay} works. Needs {@code python3} besides
     * what {@link #missing} checks; every frame of every device then passes through a process of this host (a few
     * microseconds of CPU each).
     */
    public static NetworkFaults createWithDelayLines(int capacity, Path dir) {
        try {
            if (new ProcessBuilder("python3", "-V").redirectErrorStream(true).start().waitFor() != 0) {
                throw new IllegalStateException("python3 -V failed: delay lines need Python 3");
            }
        } catch (IOException e) {
            throw new IllegalStateException("delay lines need python3 (Debian: apt-get install python3): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        return create(capacity, dir, true);
    }

    private static NetworkFaults create(int capacity, Path dir, boolean delayLines) {
        if (capacity < 1 || capacity > 200) {
            throw new IllegalArgumentException("1 to 200 devices, got " + capacity);
        }
        for (int subnet = 1; subnet < 250; subnet++) {
            // A subnet is free when neither its bridge nor a link of its first namespace is left from another run.
            if (!Files.exists(Path.of("/sys/class/net", "etb" + subnet))
                    && !Files.exists(Path.of("/sys/class/net", "etv" + subnet + "-1"))) {
                NetworkFaults network = new NetworkFaults(subnet, capacity, dir, delayLines);
                try {
                    network.build();
                } catch (RuntimeException e) {
                    network.close();
                    throw e;
                }
                return network;
            }
        }
        throw new IllegalStateException("no free 10.99.N.0/24 subnet for a test network (250 bridges etbN exist)");
    }

    private void build() {
        run("ip", "link", "add", bridge(), "type", "bridge");
        run("ip", "addr", "add", hostAddress() + "/24", "dev", bridge());
        run("ip", "link", "set", bridge(), "up");
        // Traffic between two devices crosses the bridge; where the bridge is filtered by iptables (br_netfilter) and
        // the FORWARD policy is DROP, as a running Docker engine sets it, the devices could not see each other.
        run("iptables", "-I", "FORWARD", "-i", bridge(), "-o", bridge(), "-j", "ACCEPT");
        Path script = delayLines ? DelayLine.script(dir) : null;
        for (int i = 1; i <= capacity; i++) {
            String ns = namespace(i);
            run("ip", "netns", "add", ns);
            if (delayLines) {
                run("ip", "tuntap", "add", "dev", hostEnd(i), "mode", "tap");
                run("ip", "-n", ns, "tuntap", "add", "dev", "eth0", "mode", "tap");
            } else {
                run("ip", "link", "add", hostEnd(i), "type", "veth", "peer", "name", "eth0", "netns", ns);
            }
            run("ip", "link", "set", hostEnd(i), "master", bridge(), "up");
            run("ip", "-n", ns, "addr", "add", address(i) + "/24", "dev", "eth0");
            run("ip", "-n", ns, "link", "set", "eth0", "up");
            run("ip", "-n", ns, "link", "set", "lo", "up");
            if (delayLines) {
                delays.put(i, DelayLine.start(script, hostEnd(i), ns, dir.resolve("delay-line-" + ns + ".txt"),
                        dir.resolve("delay-lines.log")));
            }
        }
        String discovery = IntStream.rangeClosed(1, capacity).mapToObj(i -> address(i) + ":" + DISCOVERY_PORT)
                .collect(Collectors.joining(","));
        write(deviceConfig(), nodeFile(discovery, "0.0.0.0"));
        write(clientConfig(), nodeFile(discovery, hostAddress()));
    }

    private static String nodeFile(String discovery, String local) {
        return "# written by NetworkFaults: devices in network namespaces\n"
                + "discovery.addresses=" + discovery + "\nlocal.address=" + local + "\ndiscovery.port=" + DISCOVERY_PORT
                + "\ncommunication.port=47100\nclient.port=10800\nbackups=1\n";
    }

    /** @return the node file devices start with: they bind every address of their namespace */
    public Path deviceConfig() {
        return dir.resolve("netns-devices.properties");
    }

    /** @return the node file of a client on this host (bound to the bridge's address) */
    public Path clientConfig() {
        return dir.resolve("netns-client.properties");
    }

    /** @return the command prefix that starts {@code device} in its namespace (the next free one, the first time) */
    public List<String> prefix(String device) {
        Integer index = placed.get(device);
        if (index == null) {
            if (placed.size() == capacity) {
                throw new IllegalStateException("all " + capacity + " namespaces are taken: " + placed.keySet());
            }
            index = placed.size() + 1;
            placed.put(device, index);
        }
        return List.of("ip", "netns", "exec", namespace(index));
    }

    /** @return this host's address on the devices' bridge, e.g. {@code 10.99.1.1} */
    public String hostAddress() {
        return "10.99." + subnet + ".1";
    }

    /** @return the device's address, e.g. {@code 10.99.1.12} */
    public String address(String device) {
        return address(index(device));
    }

    /**
     * @return a JDBC thin-driver URL that reaches {@code device} (whichever side of a cut it is on). Its connection
     *     timeout also bounds every read: a device in the middle of reorganizing may accept a query and not answer,
     *     and a socket read is not interrupted by anything else.
     */
    public String jdbcUrl(String device) {
        return "jdbc:ignite:thin://" + address(device) + ":10800?connectionTimeout=" + JDBC_TIMEOUT_MILLIS;
    }

    /** Cuts every link between a device of {@code a} and a device of {@code b}, both ways; the host reaches both. */
    public void partition(Collection<String> a, Collection<String> b) {
        for (String x : a) {
            for (String y : b) {
                drop(x, y);
                drop(y, x);
            }
        }
    }

    private void drop(String at, String peer) {
        String ns = namespace(index(at));
        run("ip", "netns", "exec", ns, "iptables", "-A", "INPUT", "-s", address(peer), "-j", "DROP");
        run("ip", "netns", "exec", ns, "iptables", "-A", "OUTPUT", "-d", address(peer), "-j", "DROP");
    }

    /** Cuts {@code device}'s link altogether: no other device, nor this host, reaches it, nor it them. */
    public void isolate(String device) {
        String ns = namespace(index(device));
        run("ip", "netns", "exec", ns, "iptables", "-A", "INPUT", "-i", "eth0", "-j", "DROP");
        run("ip", "netns", "exec", ns, "iptables", "-A", "OUTPUT", "-o", "eth0", "-j", "DROP");
    }

    /** Drops {@code percent} % of the packets {@code device} receives, at random. */
    public void lossy(String device, double percent) {
        run("ip", "netns", "exec", namespace(index(device)), "iptables", "-A", "INPUT", "-m", "statistic", "--mode",
                "random", "--probability", String.valueOf(percent / 100), "-j", "DROP");
    }

    /** Limits {@code device}'s link to {@code kbitPerSecond}, both ways. */
    public void slow(String device, int kbitPerSecond) {
        int i = index(device);
        String rate = kbitPerSecond + "kbit";
        run("ip", "netns", "exec", namespace(i), "tc", "qdisc", "replace", "dev", "eth0", "root", "tbf", "rate", rate,
                "burst", "32kbit", "latency", "400ms");
        run("tc", "qdisc", "replace", "dev", hostEnd(i), "root", "tbf", "rate", rate, "burst", "32kbit", "latency",
                "400ms");
    }

    /**
     * Delays every frame {@code device} sends by {@code millis}, plus a uniform jitter of up to {@code jitterMillis}
     * either way (never reordered), as {@code tc netem delay} on the device's interface would: its round trip to this
     * host gains {@code millis}, to another device so delayed twice {@code millis}. Takes effect within 50 ms.
     *
     * @throws IllegalStateException on a network made without delay lines
     */
    public void delay(String device, int millis, int jitterMillis) {
        if (!delayLines) {
            throw new IllegalStateException("this network has no delay lines: make it with createWithDelayLines");
        }
        if (millis < 0 || jitterMillis < 0 || jitterMillis > millis) {
            throw new IllegalArgumentException("delay " + millis + " ms, jitter " + jitterMillis
                    + " ms: both at least 0, the jitter at most the delay");
        }
        delays.get(index(device)).set(millis, jitterMillis);
    }

    /** Restores every link: no cut, no loss, no rate limit, no delay. */
    public void heal() {
        for (int i : placed.values()) {
            if (delayLines) {
                delays.get(i).set(0, 0);
            }
            run("ip", "netns", "exec", namespace(i), "iptables", "-F");
            runQuietly("ip", "netns", "exec", namespace(i), "tc", "qdisc", "del", "dev", "eth0", "root");
            runQuietly("tc", "qdisc", "del", "dev", hostEnd(i), "root");
        }
    }

    @Override
    public void close() {
        delays.values().forEach(DelayLine::close);
        for (int i = 1; i <= capacity; i++) {
            String ns = namespace(i);
            for (String pid : execute("ip", "netns", "pids", ns).text().split("\\s+")) {
                if (pid.matches("\\d+")) {
                    ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            // The kernel tears a deleted namespace down later, and its links with it (minutes, seen here): deleting
            // the host's end of each link first removes both ends at once, so the next network can take the names.
            runQuietly("ip", "link", "del", hostEnd(i));
            runQuietly("ip", "netns", "del", ns);
        }
        runQuietly("ip", "link", "del", bridge());
        runQuietly("iptables", "-D", "FORWARD", "-i", bridge(), "-o", bridge(), "-j", "ACCEPT");
    }

    private int index(String device) {
        Integer index = placed.get(device);
        if (index == null) {
            throw new IllegalArgumentException("no device " + device + " in this network: " + placed.keySet());
        }
        return index;
    }

    private String address(int index) {
        return "10.99." + subnet + "." + (10 + index);
    }

    private String bridge() {
        return "etb" + subnet;
    }

    private String namespace(int index) {
        return "etn" + subnet + "-" + index;
    }

    private String hostEnd(int index) {
        return "etv" + subnet + "-" + index;
    }

    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What a command printed, and whether it succeeded. */
    private record Outcome(boolean ok, String text) {
    }

    /** @throws IllegalStateException with the command and what it printed, when it fails */
    private static void run(String... command) {
        Outcome outcome = execute(command);
        if (!outcome.ok()) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + outcome.text().strip());
        }
    }

    /** Runs a clean-up step whose failure (nothing left to remove) does not matter. */
    private static void runQuietly(String... command) {
        execute(command);
    }

    private static Outcome execute(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            boolean ended = process.waitFor(30, TimeUnit.SECONDS);
            return new Outcome(ended && process.exitValue() == 0, out);
        } catch (IOException e) {
            return new Outcome(false, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(false, "interrupted");
        }
    }

    /** @return the devices placed so far, in order */
    public List<String> devices() {
        return new ArrayList<>(placed.keySet());
    }
}
