"""A wire to a guest NIC that the test drives frame by frame (tests/qemu/netload.py).

QEMU's `-netdev stream,server=off,addr.type=unix,addr.path=P` connects to P; each
frame on the stream is a 4-byte big-endian length and the Ethernet frame. Wire
listens on P, answers the guest's ARP for any 10.9.0.x but the guest's own
address (MAC 52:54:00:09:00:x), plays a TCP peer on 10.9.0.1 for the vanishing-peer
checks, resets every other TCP segment the guest sends (so the garbage's SYNs leave
no half-open connection behind), and records echo replies. Also the builders of
well-formed and malformed frames.
"""

import random
import socket
import struct
import threading
import time

GUEST_MAC = bytes.fromhex("525400123457")
GUEST_IP = socket.inet_aton("10.9.0.2")
PEER_IP = socket.inet_aton("10.9.0.1")
BCAST = b"\xff" * 6


def host_mac(ip):
    return bytes.fromhex("52540009") + b"\x00" + ip[3:4]


PEER_MAC = host_mac(PEER_IP)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(dst, src, etype, payload):
    return dst + src + struct.pack("!H", etype) + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + sha + spa + tha + tpa


def ipv4(src, dst, proto, payload, ident=0, frag=0, ttl=64, opts=b"", tot=None,
         ihl=None, version=4, bad_csum=False):
    hl = 5 + len(opts) // 4 if ihl is None else ihl
    total = 20 + len(opts) + len(payload) if tot is None else tot
    head = struct.pack("!BBHHHBBH4s4s", (version << 4) | (hl & 15), 0, total & 0xFFFF, ident,
                       frag, ttl, proto, 0, src, dst) + opts
    c = csum(head[:max(20, min(len(head), hl * 4))])
    if bad_csum:
        c ^= 0x1234
    return head[:10] + struct.pack("!H", c) + head[12:] + payload


def l4_csum(src, dst, proto, seg):
    return csum(src + dst + struct.pack("!BBH", 0, proto, len(seg)) + seg)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", win=65535, opts=b"",
        doff=None, bad_csum=False):
    off = 5 + (len(opts) + 3) // 4 if doff is None else doff
    opts = opts + b"\0" * (-len(opts) % 4)
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF,
                      (off & 15) << 4, flags, win, 0, 0) + opts + payload
    c = l4_csum(src, dst, 6, seg) ^ (0x4321 if bad_csum else 0)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def udp(src, dst, sport, dport, payload, length=None, bad_csum=False):
    n = 8 + len(payload) if length is None else length
    seg = struct.pack("!HHHH", sport, dport, n & 0xFFFF, 0) + payload
    c = l4_csum(src, dst, 17, seg) ^ (0x4321 if bad_csum else 0)
    return seg[:6] + struct.pack("!H", c or 0xFFFF) + seg[8:]


def icmp(typ, code, rest, bad_csum=False):
    msg = struct.pack("!BBH", typ, code, 0) + rest
    c = csum(msg) ^ (0x4321 if bad_csum else 0)
    return msg[:2] + struct.pack("!H", c) + msg[4:]


def to_guest(src_ip, proto, payload, **kw):
    return eth(GUEST_MAC, host_mac(src_ip), 0x0800, ipv4(src_ip, GUEST_IP, proto, payload, **kw))


FIN, SYN, RST, PSH, ACK, URG = 1, 2, 4, 8, 16, 32


class Wire:
    def __init__(self, path):
        self.path = path
        self.lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.lsock.bind(path)
        self.lsock.listen(1)
        self.sock = None
        self.slock = threading.Lock()
        self.cond = threading.Condition()
        self.echo_replies = set()        # (ident, seq)
        self.arp_replies = 0
        self.syn_acks = {}               # our sport -> their ISN (handshakes we began)
        self.frames_in = 0
        self.resets_sent = 0
        self.peer = {}                   # guest port -> connection state (10.9.0.1:9000/9001)
        self.peer_log = []
        self.closed = False

    def accept(self, timeout):
        self.lsock.settimeout(timeout)
        self.sock, _ = self.lsock.accept()
        self.sock.settimeout(None)
        threading.Thread(target=self._reader, daemon=True).start()

    def send(self, frame):
        with self.slock:
            self.sock.sendall(struct.pack("!I", len(frame)) + frame)

    def close(self):
        self.closed = True
        for s in (self.sock, self.lsock):
            if s:
                try:
                    s.close()
                except OSError:
                    pass

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def _reader(self):
        try:
            while not self.closed:
                n = struct.unpack("!I", self._recv_exact(4))[0]
                frame = self._recv_exact(n)
                with self.cond:
                    self.frames_in += 1
                try:
                    self._handle(frame)
                except (struct.error, IndexError):
                    pass
                with self.cond:
                    self.cond.notify_all()
        except (EOFError, OSError):
            pass

    def _handle(self, f):
        etype = struct.unpack("!H", f[12:14])[0]
        if etype == 0x0806:
            op = struct.unpack("!H", f[20:22])[0]
            spa, tpa = f[28:32], f[38:42]
            if op == 1 and tpa[:3] == GUEST_IP[:3] and tpa != GUEST_IP and spa == GUEST_IP:
                self.send(eth(f[22:28], host_mac(tpa), 0x0806,
                              arp(2, host_mac(tpa), tpa, f[22:28], spa)))
            elif op == 2 and spa == GUEST_IP:
                with self.cond:
                    self.arp_replies += 1
            return
        if etype != 0x0800:
            return
        ihl = (f[14] & 15) * 4
        proto, src, dst = f[23], f[26:30], f[30:34]
        body = f[14 + ihl:14 + struct.unpack("!H", f[16:18])[0]]
        if proto == 1 and body[0] == 0:
            ident, seq = struct.unpack("!HH", body[4:8])
            with self.cond:
                self.echo_replies.add((ident, seq))
        elif proto == 6:
            self._tcp(src, dst, body)

    def _tcp(self, src, dst, seg):
        sport, dport, seq, ack, offb, flags = struct.unpack("!HHIIBB", seg[:14])
        data = seg[(offb >> 4) * 4:]
        if dst == PEER_IP and dport in (9000, 9001):
            self._peer(sport, dport, seq, ack, flags, data)
            return
        if flags & SYN and flags & ACK and dport in self.syn_acks:
            with self.cond:
                self.syn_acks[dport] = seq
        if flags & RST:
            return
        # Not a connection of ours: what a host does with a stray segment.
        rseq = ack if flags & ACK else 0
        rack = seq + len(data) + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)
        self.send(eth(GUEST_MAC, host_mac(dst), 0x0800, ipv4(dst, src, 6, tcp(
            dst, src, dport, sport, rseq, rack, RST | (0 if flags & ACK else ACK), win=0))))
        with self.cond:
            self.resets_sent += 1

    def _peer(self, gport, pport, seq, ack, flags, data):
        """10.9.0.1:9000 takes data and resets the connection after 64 KiB;
        10.9.0.1:9001 sends 1000 bytes once connected, then resets."""
        c = self.peer.get(gport)
        out = lambda fl, s, a, d=b"": self.send(eth(GUEST_MAC, PEER_MAC, 0x0800, ipv4(
            PEER_IP, GUEST_IP, 6, tcp(PEER_IP, GUEST_IP, pport, gport, s, a, fl, d))))
        if flags & SYN and not flags & ACK:
            c = self.peer[gport] = {"port": pport, "iss": 777000, "rcv": seq + 1, "got": 0,
                                    "reset": False}
            out(SYN | ACK, c["iss"], c["rcv"])
            return
        if c is None or c["reset"] or flags & RST:
            return
        if data and seq == c["rcv"]:
            c["rcv"] += len(data)
            c["got"] += len(data)
        if pport == 9000:
            if c["got"] >= 65536:
                c["reset"] = True
                out(RST | ACK, c["iss"] + 1, c["rcv"])
                self.peer_log.append("9000 reset after %d bytes" % c["got"])
            elif data:
                out(ACK, c["iss"] + 1, c["rcv"])
        elif pport == 9001 and flags & ACK and not c.get("sent"):
            c["sent"] = True
            out(ACK | PSH, c["iss"] + 1, c["rcv"], b"x" * 1000)
            c["reset"] = True
            threading.Timer(0.3, lambda: (out(RST | ACK, c["iss"] + 1001, c["rcv"]),
                                          self.peer_log.append("9001 reset"))).start()

    def wait(self, pred, timeout):
        end = time.monotonic() + timeout
        with self.cond:
            while not pred():
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
        return True

    def ping(self, ident, seq, timeout=5.0):
        self.send(to_guest(PEER_IP, 1, icmp(8, 0, struct.pack("!HH", ident, seq) + b"netload" * 8)))
        return self.wait(lambda: (ident, seq) in self.echo_replies, timeout)

    def arp_ask(self, timeout=5.0):
        before = self.arp_replies
        self.send(eth(BCAST, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER_IP, b"\0" * 6, GUEST_IP)))
        return self.wait(lambda: self.arp_replies > before, timeout)

    def handshake(self, dport, sport, timeout=5.0):
        """A SYN to the guest's dport: True once its SYN-ACK came (then reset)."""
        with self.cond:
            self.syn_acks[sport] = None
        self.send(to_guest(PEER_IP, 6, tcp(PEER_IP, GUEST_IP, sport, dport, 1000, 0, SYN,
                                           opts=b"\x02\x04\x05\xb4")))
        return self.wait(lambda: self.syn_acks.get(sport) is not None, timeout)


def garbage(n, seed=11):
    """n malformed frames, a mix of every kind (see netload.py's docstring)."""
    rnd = random.Random(seed)
    rb = rnd.randbytes
    src = lambda: bytes([10, 9, 0, rnd.choice([1, 1, 1, 3, 4, 5, 200])])
    out = []
    kinds = 12
    for i in range(n):
        k = i % kinds if i >= n // 10 else 4      # the fragments first: their state ages out
        s = src()
        if k == 0:      # random bytes, to the guest, broadcast or anywhere
            dst = rnd.choice([GUEST_MAC, BCAST, rb(6)])
            big = rnd.random() < 0.03        # past the MTU: the driver's length check
            out.append(dst + rb(rnd.randint(1509, 2000) if big else rnd.randint(0, 1500)))
        elif k == 1:    # IPv4 header fields at random, header checksum right for them
            ihl = rnd.randint(0, 15)
            out.append(to_guest(s, rnd.choice([1, 6, 17, rnd.randint(0, 255)]), rb(rnd.randint(0, 200)),
                                ihl=ihl, version=rnd.choice([4, 4, 4, rnd.randint(0, 15)]),
                                tot=rnd.choice([None, rnd.randint(0, 65535), rnd.randint(0, 60)]),
                                frag=rnd.getrandbits(16), opts=rb(4 * rnd.randint(0, 10))))
        elif k == 2:    # a good packet but for the IP header checksum
            out.append(to_guest(s, 1, icmp(8, 0, rb(12)), bad_csum=True))
        elif k == 3:    # IP total length past the frame or inside the header
            out.append(to_guest(s, 17, udp(s, GUEST_IP, 5000, 7, rb(20)),
                                tot=rnd.choice([rnd.randint(49, 1500), rnd.randint(0, 19)])))
        elif k == 4:    # overlapping, duplicate, tiny and past-64K fragments
            ident = rnd.randint(0, 7)
            off = rnd.choice([0, 1, 2, 8, 100, 185, rnd.randint(0, 8191)])
            mf = rnd.choice([0x2000, 0x2000, 0])
            out.append(to_guest(s, rnd.choice([1, 17, 6]), rb(rnd.choice([0, 1, 8, 16, 1400, 1480])),
                                ident=ident, frag=mf | off))
        elif k == 5:    # TCP with every checksum right: flags, offsets, options at random
            opts = b""
            for _ in range(rnd.randint(0, 5)):
                kind = rnd.choice([0, 1, 2, 3, 4, 5, 8, 30, rnd.randint(0, 255)])
                ln = rnd.choice([0, 1, 2, 3, 4, 10, 40, rnd.randint(0, 255)])
                opts += bytes([kind, ln]) + rb(max(0, min(ln, 8) - 2))
            opts = opts[:40]
            seg = tcp(s, GUEST_IP, rnd.randint(1, 65535), rnd.choice([8080, 8080, 9, rnd.randint(1, 65535)]),
                      rnd.getrandbits(32), rnd.getrandbits(32), rnd.getrandbits(8) | rnd.choice([0, SYN]),
                      rb(rnd.choice([0, 0, 10, 500])), opts=opts,
                      doff=rnd.choice([None, None, rnd.randint(0, 15)]))
            out.append(to_guest(s, 6, seg))
        elif k == 6:    # TCP with a bad checksum
            out.append(to_guest(s, 6, tcp(s, GUEST_IP, 4000, 8080, 1, 0, SYN, bad_csum=True)))
        elif k == 7:    # UDP lengths shorter than the header or past the packet
            ln = rnd.choice([0, 1, 7, 9, 100, 65535])
            out.append(to_guest(s, 17, udp(s, GUEST_IP, 5000, rnd.choice([7, 53, 68, 9999]), rb(30),
                                           length=ln, bad_csum=rnd.random() < 0.3)))
        elif k == 8:    # ICMP: types and codes at random, truncated, bad checksum
            out.append(to_guest(s, 1, icmp(rnd.randint(0, 255), rnd.randint(0, 255),
                                           rb(rnd.choice([0, 1, 4, 28, 60])),
                                           bad_csum=rnd.random() < 0.3)[:rnd.choice([1, 3, 8, 100])]))
        elif k == 9:    # ARP: wrong sizes, opcodes, truncated
            a = struct.pack("!HHBBH", rnd.choice([1, 6, 0xFFFF]), rnd.choice([0x0800, 0x86DD, 0]),
                            rnd.choice([6, 0, 255]), rnd.choice([4, 0, 16]), rnd.randint(0, 5)) + \
                host_mac(s) + s + rb(6) + rnd.choice([GUEST_IP, rb(4)])
            out.append(eth(rnd.choice([GUEST_MAC, BCAST]), host_mac(s), 0x0806,
                           a[:rnd.choice([len(a), 8, 14, 27])]))
        elif k == 10:   # a good TCP or UDP frame cut short anywhere
            f = to_guest(s, 6, tcp(s, GUEST_IP, 4001, 8080, 5, 0, SYN, opts=b"\x02\x04\x05\xb4"))
            out.append(f[:rnd.randint(1, len(f) - 1)])
        else:           # IP options at random (routing, timestamps, junk)
            opts = bytes([rnd.choice([0, 1, 7, 68, 131, 137, 148, rnd.randint(0, 255)]),
                          rnd.choice([0, 1, 2, 3, 39, 40, 255])]) + rb(rnd.choice([2, 6, 14, 38]))
            opts = opts[:40] + b"\0" * (-len(opts[:40]) % 4)
            out.append(to_guest(s, 1, icmp(8, 0, rb(8)), opts=opts))
    for j, f in enumerate(out):
        if not f:
            out[j] = b"\0"
    return out
