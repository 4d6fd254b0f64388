package org.edgetrain.compute.health;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.ignite.Ignite;
import org.apache.ignite.cluster.ClusterNode;
import org.apache.ignite.events.DiscoveryEvent;
import org.apache.ignite.events.Event;
import org.apache.ignite.events.EventType;
import org.apache.ignite.lang.IgniteBiPredicate;
import org.apache.ignite.lang.IgnitePredicate;
import org.apache.ignite.lifecycle.LifecycleBean;
import org.apache.ignite.lifecycle.LifecycleEventType;
import org.apache.ignite.resources.IgniteInstanceResource;
import org.apache.ignite.spi.discovery.tcp.internal.TcpDiscoveryNode;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.edgetrain.compute.grid.EventKind;
import org.edgetrain.compute.grid.GridSchema;

/**
 * Whether this device's side of the fleet may train: it sees a strict majority of the fleet's members. When a link
 * cuts the fleet in two, Ignite 2.x lets each side carry on as a cluster of its own (measured on devices in network
 * namespaces: a 3|2 cut gave two clusters that never merged after the link came back); this is what keeps the side
 * without a majority from committing a model history of its own, and brings its devices back when the link heals.
 *
 * <p><b>Members.</b> Every device that joined, less those that left on purpose and those whose failure a majority
 * confirmed: a failed device stops being a member once the fleet has stayed quorate and unchanged for three failure
 * detection timeouts after it. A cut shows on each side as failures of the other side's devices; the side without
 * a majority never confirms them, so its members stay those from before the cut and it waits; the majority side
 * confirms them and goes on, and can then lose more devices one at a time. Sides of equal size both wait. A fleet of
 * two therefore cannot lose one device and train on: it cannot tell the other's crash from a cut. A device that joins
 * takes the members from the oldest device already there, so one that joins the smaller side of a cut knows it.
 *
 * <p><b>Rejoin.</b> While this side has no quorum it tries, every {@link #PROBE_MILLIS} ms, the discovery port of each
 * member it lost. When some answer, the link is back and the two sides are two clusters: the side with fewer members
 * (on a tie, the one without the alphabetically first member) gives way, counting on the other side only the members
 * that answer. A device that finds it was frozen for most of the failure detection (the fleet dropped it) rejoins
 * at once through the other members: its view is stale, so it never waits for others to come to it, and it is gone
 * before the others' probes, which want two answers in a row, take it for a side to join. Its devices stop their node, and
 * {@code EdgetrainNode} starts it again with discovery pointed at the members that answered, so it joins their
 * cluster empty and takes their model.
 *
 * <p>Not {@link #held} by Ignite's own means (a cache TopologyValidator) because a validator's verdict is fixed per
 * topology version and made from the node list alone, which tells neither a graceful leave nor a confirmed crash from
 * a cut; the coordinator asks {@link #held} before planning a round and before and after each commit instead.
 *
 * <p>One per device, installed as a lifecycle bean; {@link #of} finds it. Thread-safe.
 */
public final class FleetQuorum implements LifecycleBean {
    /** How often a side without quorum looks for the members it lost. */
    static final long PROBE_MILLIS = 1000;
    private static final int PROBE_TIMEOUT_MILLIS = 500;
    /** What an Ignite node first sends on a discovery connection (IgniteUtils.IGNITE_HEADER). */
    private static final byte[] IGNITE_HEADER = {0x00, 0x49, 0x47, 0x4E};
    private static final String KEY = "edgetrain-quorum";
    /** Messages on this topic make every device that receives them take the devices present as the members. */
    private static final String RESET_TOPIC = "edgetrain-quorum-reset";
    private static final Logger LOG = LogManager.getLogger(FleetQuorum.class);

    /** What this device sees: the fleet's members, those of them present, and whether they are a majority. */
    public record Status(Set<String> members, Set<String> present, boolean held) {
        /** @return e.g. {@code 2 of 5 members (pc-1, pc-2 of pc-1, pc-2, pc-3, rpi4-1, rpi4-2)} */
        public String describe() {
            return present.size() + " of " + members.size() + " members (" + String.join(", ", present) + " of "
                    + String.join(", ", members) + ")";
        }
    }

    /** A device silent this long is dropped by the fleet. */
    private final long failureDetectionMillis;
    /** How long the fleet must stay quorate and unchanged before a failed member stops counting. */
    private final long settleMillis;
    private final Consumer<List<InetSocketAddress>> rejoin;
    @IgniteInstanceResource
    private Ignite ignite;
    private ScheduledExecutorService scheduler;
    private final IgnitePredicate<Event> listener = this::onEvent;
    private final IgniteBiPredicate<UUID, Object> resetListener = (sender, message) -> {
        reset();
        return true;
    };
    /** Members by name, with the discovery addresses they were last seen at. Guarded by this. */
    private final Map<String, Collection<InetSocketAddress>> members = new TreeMap<>();
    /** Members that failed and are not confirmed gone yet. Guarded by this. */
    private final Set<String> suspected = new TreeSet<>();
    private long lastChangeMillis = System.currentTimeMillis();
    private boolean reportedLost;
    private boolean rejoinRequested;
    /** The lost members that answered at the last probe, when this side would yield to them; scheduler thread only. */
    private Set<String> answeringBefore = Set.of();
    /** When the last check ran (System.nanoTime), to notice that this device was frozen; scheduler thread only. */
    private long lastTickNanos;

    /**
     * @param failureDetectionMillis the fleet's failure detection timeout. A failed member stops counting after three
     *     of them (the devices beyond a cut fail within about one); a device that finds it was frozen longer than half
     *     knows the fleet dropped it.
     * @param rejoin called once, from a thread of its own, when this device must leave its side and join the others at
     *     these discovery addresses (none: at the configured ones)
     */
    public FleetQuorum(long failureDetectionMillis, Consumer<List<InetSocketAddress>> rejoin) {
        this.failureDetectionMillis = failureDetectionMillis;
        this.settleMillis = 3 * failureDetectionMillis;
        this.rejoin = rejoin;
    }

    /** @return the quorum of the device {@code ignite} runs, or null on a client node (tools never coordinate) */
    public static FleetQuorum of(Ignite ignite) {
        Object quorum = ignite.cluster().nodeLocalMap().get(KEY);
        return quorum instanceof FleetQuorum q ? q : null;
    }

    /** @return true when the coordinator may plan and commit: no quorum is installed here, or it is held */
    public static boolean allowsCommits(Ignite ignite) {
        FleetQuorum quorum = of(ignite);
        return quorum == null || quorum.status().held();
    }

    @Override
    public void onLifecycleEvent(LifecycleEventType event) {
        if (event == LifecycleEventType.AFTER_NODE_START) {
            Map<String, ArrayList<InetSocketAddress>> inherited = membersOfTheFleet();
            synchronized (this) {
                inherited.forEach(members::put);
                Set<String> present = new TreeSet<>();
                for (ClusterNode node : ignite.cluster().forServers().nodes()) {
                    members.put(name(node), addresses(node));
                    present.add(name(node));
                }
                // Members the fleet has but this device never saw fail: gone unless a majority says otherwise, as
                // for a failure this device had seen.
                inherited.keySet().stream().filter(m -> !present.contains(m)).forEach(suspected::add);
            }
            ignite.cluster().nodeLocalMap().put(KEY, this);
            ignite.events().localListen(listener, EventType.EVT_NODE_JOINED, EventType.EVT_NODE_LEFT,
                    EventType.EVT_NODE_FAILED);
            ignite.message().localListen(RESET_TOPIC, resetListener);
            scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "edgetrain-quorum-" + ignite.name());
                thread.setDaemon(true);
                return thread;
            });
            scheduler.scheduleWithFixedDelay(this::tickQuietly, PROBE_MILLIS, PROBE_MILLIS, TimeUnit.MILLISECONDS);
        } else if (event == LifecycleEventType.BEFORE_NODE_STOP) {
            ignite.events().stopLocalListen(listener);
            ignite.message().stopLocalListen(RESET_TOPIC, resetListener);
            ignite.cluster().nodeLocalMap().remove(KEY);
            if (scheduler != null) {
                scheduler.shutdownNow();
            }
        }
    }

    /**
     * Makes the devices {@code ignite} sees the fleet's members, on each of them: for an operator who knows that the
     * missing devices are gone for good (more than half of them failed at once, which no device can tell from a cut).
     * Run on the wrong side of a cut, it lets that side commit a history of its own: the command says so.
     *
     * @return the devices told
     */
    public static Set<String> resetMembers(Ignite ignite) {
        Set<String> devices = ignite.cluster().forServers().nodes().stream().map(FleetQuorum::name)
                .collect(Collectors.toCollection(TreeSet::new));
        ignite.message(ignite.cluster().forServers()).send(RESET_TOPIC, "reset");
        return devices;
    }

    private synchronized void reset() {
        members.clear();
        for (ClusterNode node : ignite.cluster().forServers().nodes()) {
            members.put(name(node), addresses(node));
        }
        suspected.clear();
        LOG.warn("an operator reset the fleet's members to the devices present: {}", members.keySet());
    }

    /**
     * @return the members as the oldest other device of the fleet just joined knows them, or none when this device is
     *     the first. A device that joins takes the fleet's members, not the devices it sees: joined to the smaller
     *     side of a cut (restarted there, or rejoining through the wrong side), it would otherwise count that side a
     *     majority of itself (seen: a device restarted on one half of an even split, and that half trained on).
     */
    private Map<String, ArrayList<InetSocketAddress>> membersOfTheFleet() {
        var others = ignite.cluster().forServers().forOthers(ignite.cluster().localNode());
        if (others.nodes().isEmpty()) {
            return Map.of();
        }
        try {
            return ignite.compute(others.forOldest()).call(new MembersCall());
        } catch (RuntimeException e) {
            // An older device that does not answer (it is leaving, or runs a version without the call): the devices
            // seen now are the best this device knows; its side's older devices still hold the fleet's members.
            LOG.warn("could not learn the fleet's members from {}: {}", others.forOldest().node(), e.toString());
            return Map.of();
        }
    }

    /** Asks a device for the members it knows, with their discovery addresses. */
    private static final class MembersCall implements org.apache.ignite.lang.IgniteCallable<Map<String, ArrayList<InetSocketAddress>>> {
        private static final long serialVersionUID = 1L;

        @IgniteInstanceResource
        private transient Ignite local;

        @Override
        public Map<String, ArrayList<InetSocketAddress>> call() {
            FleetQuorum quorum = of(local);
            TreeMap<String, ArrayList<InetSocketAddress>> out = new TreeMap<>();
            if (quorum != null) {
                synchronized (quorum) {
                    quorum.members.forEach((name, addresses) -> out.put(name, new ArrayList<>(addresses)));
                }
            }
            return out;
        }
    }

    /** @return what this device sees now (failures settled long enough are confirmed first) */
    public synchronized Status status() {
        Set<String> present = new TreeSet<>();
        for (ClusterNode node : ignite.cluster().forServers().nodes()) {
            present.add(name(node));
        }
        present.retainAll(members.keySet());
        boolean held = present.size() * 2 > members.size();
        if (held && !suspected.isEmpty() && System.currentTimeMillis() - lastChangeMillis >= settleMillis) {
            LOG.info("members {} confirmed gone: the fleet kept a majority for {} ms after they failed", suspected,
                    settleMillis);
            suspected.forEach(members::remove);
            suspected.clear();
        }
        return new Status(Set.copyOf(members.keySet()), present, held);
    }

    private boolean onEvent(Event event) {
        ClusterNode node = ((DiscoveryEvent) event).eventNode();
        if (node.isClient()) {
            return true;
        }
        String name = name(node);
        synchronized (this) {
            lastChangeMillis = System.currentTimeMillis();
            switch (event.type()) {
                case EventType.EVT_NODE_JOINED -> {
                    members.put(name, addresses(node));
                    suspected.remove(name);
                }
                case EventType.EVT_NODE_LEFT -> {
                    members.remove(name);
                    suspected.remove(name);
                }
                default -> suspected.add(name);
            }
        }
        return true;
    }

    private void tickQuietly() {
        try {
            tick();
        } catch (RuntimeException e) {
            LOG.debug("quorum check skipped: {}", e.toString());
        }
    }

    /** Reports a lost or regained quorum once, and looks for the members a side without quorum lost. */
    private void tick() {
        long now = System.nanoTime();
        boolean frozen = lastTickNanos != 0 && now - lastTickNanos > failureDetectionMillis * 900_000;
        long frozenMillis = (now - lastTickNanos) / 1_000_000;
        lastTickNanos = now;
        if (frozen && !rejoinRequested && memberCount() > 1) {
            // Frozen for most of the failure detection (nine tenths; a pause that long and not dropped is rare, and a
            // rejoin then costs a restart, nothing else): the fleet has dropped it or is about to. Its view is stale,
            // so it rejoins at once, through the others, before it answers a probe long enough to be taken for a side
            // that others should join.
            List<InetSocketAddress> through = new ArrayList<>();
            String self = name(ignite.cluster().localNode());
            synchronized (this) {
                members.forEach((member, addresses) -> {
                    if (!member.equals(self)) {
                        through.addAll(addresses);
                    }
                });
            }
            LOG.warn("this device was frozen for {} ms: the fleet has dropped it; rejoining", frozenMillis);
            requestRejoin(through);
            return;
        }
        Status status = status();
        if (!status.held() && !reportedLost) {
            reportedLost = true;
            LOG.warn("no quorum: this side of the fleet sees {}; training paused until a majority is back",
                    status.describe());
            recordOnOldest(EventKind.NO_QUORUM, "this side sees " + status.describe() + ": training paused until a "
                    + "majority is back (a cut link, or more devices failed at once than a majority)");
        } else if (status.held() && reportedLost) {
            reportedLost = false;
            LOG.info("quorum back: {}", status.describe());
            recordOnOldest(EventKind.QUORUM_REGAINED, "this side sees " + status.describe() + ": training resumes");
        }
        if (!status.held() && !rejoinRequested) {
            lookForTheOtherSide(status);
        }
    }

    /**
     * Finds the members this side lost that answer again, and yields to them when they are more (or as many, and the
     * first of them by name comes before this side's first): both sides decide the same from what each sees. Members
     * that do not answer (crashed, frozen) do not count. Seen on two probes in a row, not one: a device that wakes from
     * a freeze answers for a moment before it rejoins by itself, and a side must not yield to that.
     */
    private void lookForTheOtherSide(Status status) {
        Set<String> mine = status.present();
        Map<String, Collection<InetSocketAddress>> lost;
        synchronized (this) {
            lost = members.entrySet().stream().filter(e -> !mine.contains(e.getKey()))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        }
        // An address of this side's own (a device started since, on a port a lost member had) is not the other side.
        Set<InetSocketAddress> ours = ignite.cluster().forServers().nodes().stream().flatMap(n -> addresses(n).stream())
                .collect(Collectors.toSet());
        Map<String, InetSocketAddress> answering = new TreeMap<>();
        lost.forEach((member, addresses) -> addresses.stream().filter(a -> !ours.contains(a) && answers(a)).findFirst()
                .ifPresent(a -> answering.put(member, a)));
        Set<String> theirs = answering.keySet();
        boolean yields = yields(mine, theirs);
        boolean seenTwice = yields && theirs.equals(answeringBefore);
        answeringBefore = yields ? Set.copyOf(theirs) : Set.of();
        if (seenTwice) {
            LOG.warn("the link to {} is back and their side {}: rejoining the fleet through them", answering,
                    theirs.size() > mine.size() ? "is the larger one" : "is as large and has the first name");
            requestRejoin(List.copyOf(answering.values()));
        }
    }

    private synchronized int memberCount() {
        return members.size();
    }

    /**
     * The rule both sides of a healed cut apply, each from what it sees, so that exactly one gives way.
     *
     * @param mine the members this side has (sorted)
     * @param theirs the lost members that answer (sorted)
     * @return true when this side gives way: the other is larger, or as large and its first name comes first
     */
    static boolean yields(Set<String> mine, Set<String> theirs) {
        return theirs.size() > mine.size() || (theirs.size() == mine.size() && !theirs.isEmpty()
                && new TreeSet<>(theirs).first().compareTo(new TreeSet<>(mine).first()) < 0);
    }

    private void requestRejoin(List<InetSocketAddress> through) {
        rejoinRequested = true;
        Thread thread = new Thread(() -> rejoin.accept(through), "edgetrain-rejoin-" + ignite.name());
        thread.setDaemon(false);
        thread.start();
    }

    /** Writes an event on this side's oldest device only, so that each side records a change once. */
    private void recordOnOldest(EventKind kind, String detail) {
        ClusterNode oldest = ignite.cluster().forServers().forOldest().node();
        if (oldest != null && oldest.isLocal()) {
            GridSchema.recordEvent(ignite, kind, name(oldest), detail);
        }
    }

    /**
     * @return true when an Ignite discovery endpoint is alive at {@code address}: sent Ignite's 4-byte header, it
     *     answers or closes the connection at once (with TLS too: the failed handshake closes it). A frozen process
     *     does neither, though its kernel accepts the connection.
     */
    private static boolean answers(InetSocketAddress address) {
        try (Socket socket = new Socket()) {
            socket.connect(address, PROBE_TIMEOUT_MILLIS);
            socket.setSoTimeout(PROBE_TIMEOUT_MILLIS);
            socket.getOutputStream().write(IGNITE_HEADER);
            socket.getInputStream().read();
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return e instanceof java.net.SocketException && !(e instanceof java.net.ConnectException);
        }
    }

    private static String name(ClusterNode node) {
        return String.valueOf(node.consistentId());
    }

    /**
     * @return where the node's discovery listens: its own addresses but loopback (which, seen from another device,
     *     is that device), unless it has no other (a fleet on one machine)
     */
    private static Collection<InetSocketAddress> addresses(ClusterNode node) {
        if (!(node instanceof TcpDiscoveryNode discovery)) {
            return List.of();
        }
        List<InetSocketAddress> all = new ArrayList<>(discovery.socketAddresses());
        List<InetSocketAddress> routable = all.stream().filter(a -> !a.getAddress().isLoopbackAddress()).toList();
        return routable.isEmpty() ? all : routable;
    }
}
