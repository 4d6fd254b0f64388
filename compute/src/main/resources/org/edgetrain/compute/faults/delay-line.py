#!/usr/bin/env python3
"""A device's network link with a delay and jitter, for kernels without the netem qdisc.

NetworkFaults (Java) runs one of these per device when it builds a network with delay lines. The device's link is two
persistent TAP interfaces instead of a veth pair: HOST_TAP on the host's bridge and DEVICE_TAP (eth0) in the device's
network namespace. This process attaches to both and copies every Ethernet frame from one to the other. Frames the
device sends are held until their departure time: arrival + delay + a uniform jitter in [-jitter, +jitter], never
before the frame ahead of them (a link does not reorder); frames to the device pass at once. That is what
`tc qdisc add dev eth0 root netem delay D jitter J` does on the device: its round trip to the host gains D, and to
another device so delayed 2 D.

CONTROL is a file with two numbers, "DELAY_MS JITTER_MS"; it is read again whenever it changes (checked every
50 ms), so the Java side changes a link's delay while the device runs. Each direction queues at most QUEUE_LIMIT
frames, then drops new ones, as a device's transmit queue does.

Prints "ready" once both interfaces are attached. Standard library only (Python 3.8+); needs root.
"""
import collections
import ctypes
import fcntl
import os
import random
import select
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000
QUEUE_LIMIT = 2000
CONTROL_CHECK_SECONDS = 0.05


def attach(name):
    """Opens the persistent TAP interface `name` of the current network namespace."""
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", name.encode(), IFF_TAP | IFF_NO_PI))
    os.set_blocking(fd, False)
    return fd


def enter_namespace(namespace):
    libc = ctypes.CDLL(None, use_errno=True)
    with open("/var/run/netns/" + namespace) as ns:
        if libc.setns(ns.fileno(), CLONE_NEWNET) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, "setns into " + namespace + ": " + os.strerror(errno))


class Control:
    """The link's delay and jitter, in seconds, as the control file last said."""

    def __init__(self, path):
        self.path = path
        self.stamp = None
        self.delay = 0.0
        self.jitter = 0.0
        self.checked = 0.0

    def refresh(self, now):
        if now - self.checked < CONTROL_CHECK_SECONDS:
            return
        self.checked = now
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp == self.stamp:
            return
        self.stamp = stamp
        with open(self.path) as f:
            fields = f.read().split()
        if len(fields) == 2:
            self.delay = max(0.0, float(fields[0]) / 1000)
            self.jitter = max(0.0, min(float(fields[1]) / 1000, self.delay))


class Direction:
    """Frames read from one interface, waiting to be written to the other."""

    def __init__(self, source, sink, delayed):
        self.source = source
        self.sink = sink
        self.delayed = delayed
        self.queue = collections.deque()
        self.last_departure = 0.0

    def receive(self, now, control):
        while True:
            try:
                frame = os.read(self.source, 65536)
            except BlockingIOError:
                return
            if len(self.queue) >= QUEUE_LIMIT:
                continue
            departure = now
            if self.delayed:
                departure += control.delay + random.uniform(-control.jitter, control.jitter)
            departure = max(departure, self.last_departure)
            self.last_departure = departure
            self.queue.append((departure, frame))

    def send_due(self, now):
        while self.queue and self.queue[0][0] <= now:
            _, frame = self.queue.popleft()
            try:
                os.write(self.sink, frame)
            except OSError:
                pass  # the interface is down or its queue full: the frame is lost, as on a real link

    def next_departure(self):
        return self.queue[0][0] if self.queue else None


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: delay-line.py HOST_TAP NAMESPACE DEVICE_TAP CONTROL")
    host_tap, namespace, device_tap, control_path = sys.argv[1:]
    host = attach(host_tap)
    enter_namespace(namespace)
    device = attach(device_tap)
    control = Control(control_path)
    directions = {host: Direction(host, device, False), device: Direction(device, host, True)}
    print("ready", flush=True)
    while True:
        now = time.monotonic()
        control.refresh(now)
        departures = [d for d in (x.next_departure() for x in directions.values()) if d is not None]
        timeout = CONTROL_CHECK_SECONDS
        if departures:
            timeout = max(0.0, min(timeout, min(departures) - now))
        readable, _, _ = select.select(list(directions), [], [], timeout)
        now = time.monotonic()
        for fd in readable:
            directions[fd].receive(now, control)
        for direction in directions.values():
            direction.send_due(now)


if __name__ == "__main__":
    main()
