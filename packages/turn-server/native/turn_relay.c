/*
 * The TURN data path in C (issue #19, docs/turn.md "Under load"): ChannelData from a client's own
 * connected socket goes out of its allocation's relay socket, and datagrams from a peer with a
 * channel come back to the client as ChannelData, read and written in batches (recvmmsg, sendmmsg)
 * without entering JavaScript. TypeScript keeps the control plane: it binds nothing here itself
 * but asks this addon to open the sockets, pushes each allocation's permissions and channels
 * (`sync`) after every request that may change them, and gets every datagram this path does not
 * relay (STUN requests, malformed or unbound ChannelData, a peer without a channel or permission)
 * through the callback given to `init`, where the TypeScript engine decides and counts it.
 *
 * Single-threaded: every socket is watched by a uv_poll_t on the JavaScript thread's own loop, so the
 * state is never shared with another thread and `sync` needs no lock.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define BATCH 32
#define SLOT (65536 + 8)
#define ROUNDS 4
#define BUCKETS 4096
#define SOCKET_BUFFER (1 << 20)
#define GROUPS 64

typedef struct {
  uint16_t channel;
  double expires;
  struct sockaddr_storage peer;
  socklen_t peer_len;
} chan_t;

typedef struct {
  int family;
  uint8_t ip[16];
  double expires;
} perm_t;

struct alloc_s;
struct inst_s;

typedef struct sock_s {
  uv_poll_t poll;
  int fd;
  int is_client;
  struct alloc_s *alloc;
  struct inst_s *inst;
} sock_t;

typedef struct alloc_s {
  uint32_t id;
  int closed;
  /* whose counters it adds to: one group per TURN server in the process */
  double *counters;
  struct alloc_s *next;
  sock_t *client;
  struct sockaddr_storage client_addr;
  socklen_t client_len;
  sock_t *relay4;
  sock_t *relay6;
  perm_t *perms;
  int nperms;
  chan_t *chans;
  int nchans;
} alloc_t;

enum {
  C_TO_PEER_PACKETS,
  C_TO_PEER_BYTES,
  C_TO_CLIENT_PACKETS,
  C_TO_CLIENT_BYTES,
  C_SEND_FAILED,
  C_TO_JS,
  C_WAKEUPS,
  C_RECEIVED,
  C_SOCKETS,
  C_COUNT
};

typedef struct inst_s {
  napi_env env;
  uv_loop_t *loop;
  napi_ref callback;
  napi_async_context async;
  double clock_offset;
  alloc_t *buckets[BUCKETS];
  double counters[GROUPS][C_COUNT];
  /* receive and send batches: one set, the loop runs one callback at a time */
  uint8_t *slots;
  struct mmsghdr in[BATCH];
  struct iovec in_iov[BATCH];
  struct sockaddr_storage in_from[BATCH];
  struct mmsghdr out[BATCH];
  struct iovec out_iov[BATCH];
  struct sockaddr_storage out_to[BATCH];
} inst_t;

static double now_ms(inst_t *inst) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6 + inst->clock_offset;
}

static alloc_t *find_alloc(inst_t *inst, uint32_t id) {
  for (alloc_t *a = inst->buckets[id % BUCKETS]; a != NULL; a = a->next)
    if (a->id == id && !a->closed) return a;
  return NULL;
}

static alloc_t *get_alloc(inst_t *inst, uint32_t id, uint32_t group) {
  alloc_t *a = find_alloc(inst, id);
  if (a != NULL) return a;
  a = calloc(1, sizeof(alloc_t));
  if (a == NULL) return NULL;
  a->id = id;
  a->counters = inst->counters[group % GROUPS];
  a->next = inst->buckets[id % BUCKETS];
  inst->buckets[id % BUCKETS] = a;
  return a;
}

/* ---------- addresses ---------- */

static int same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return 0;
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
    return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
  }
  return 0;
}

static int permitted(alloc_t *a, const struct sockaddr_storage *peer, double now) {
  const uint8_t *ip;
  int family;
  if (peer->ss_family == AF_INET) {
    family = 4;
    ip = (const uint8_t *)&((const struct sockaddr_in *)peer)->sin_addr;
  } else {
    family = 6;
    ip = (const uint8_t *)&((const struct sockaddr_in6 *)peer)->sin6_addr;
  }
  for (int i = 0; i < a->nperms; i++) {
    perm_t *p = &a->perms[i];
    if (p->family == family && memcmp(p->ip, ip, family == 4 ? 4 : 16) == 0) return p->expires > now;
  }
  return 0;
}

static chan_t *by_number(alloc_t *a, uint16_t n) {
  for (int i = 0; i < a->nchans; i++)
    if (a->chans[i].channel == n) return &a->chans[i];
  return NULL;
}

static chan_t *by_peer(alloc_t *a, const struct sockaddr_storage *from) {
  for (int i = 0; i < a->nchans; i++)
    if (same_addr(&a->chans[i].peer, from)) return &a->chans[i];
  return NULL;
}

/* "1.2.3.4" or "::1" and a port into a sockaddr; 0 when the text is no IP. */
static socklen_t parse_addr(const char *ip, int port, struct sockaddr_storage *out) {
  memset(out, 0, sizeof(*out));
  struct sockaddr_in *v4 = (void *)out;
  struct sockaddr_in6 *v6 = (void *)out;
  if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    return sizeof(*v4);
  }
  if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    return sizeof(*v6);
  }
  return 0;
}

/* ---------- to JavaScript ---------- */

/* Hands one datagram to the TypeScript side: (id, fromRelay, bytes, address, port). */
static void to_js(inst_t *inst, alloc_t *a, int from_relay, const uint8_t *data, size_t len,
                  const struct sockaddr_storage *from) {
  napi_env env = inst->env;
  char text[INET6_ADDRSTRLEN] = "";
  int port = 0;
  if (from->ss_family == AF_INET) {
    const struct sockaddr_in *v4 = (const void *)from;
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    port = ntohs(v4->sin_port);
  } else if (from->ss_family == AF_INET6) {
    const struct sockaddr_in6 *v6 = (const void *)from;
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
    port = ntohs(v6->sin6_port);
  }
  a->counters[C_TO_JS]++;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, argv[5], result;
  void *copy;
  if (napi_get_reference_value(env, inst->callback, &cb) == napi_ok && cb != NULL &&
      napi_get_global(env, &recv) == napi_ok &&
      napi_create_uint32(env, a->id, &argv[0]) == napi_ok &&
      napi_get_boolean(env, from_relay, &argv[1]) == napi_ok &&
      napi_create_buffer_copy(env, len, data, &copy, &argv[2]) == napi_ok &&
      napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &argv[3]) == napi_ok &&
      napi_create_int32(env, port, &argv[4]) == napi_ok) {
    napi_status st = napi_make_callback(env, inst->async, recv, cb, 5, argv, &result);
    if (st == napi_pending_exception) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* ---------- the data path ---------- */

/* Sends out[0..n) on fd; what the kernel refuses (a full buffer, an ICMP error) is counted. */
static void flush(alloc_t *a, int fd, struct mmsghdr *out, int n) {
  int off = 0;
  while (off < n) {
    int r = sendmmsg(fd, out + off, (unsigned)(n - off), MSG_DONTWAIT);
    if (r > 0) {
      off += r;
    } else if (r < 0 && errno == EINTR) {
      continue;
    } else {
      a->counters[C_SEND_FAILED]++;
      off++;
    }
  }
}

static void prepare_in(inst_t *inst, size_t header_room) {
  for (int i = 0; i < BATCH; i++) {
    inst->in_iov[i].iov_base = inst->slots + (size_t)i * SLOT + header_room;
    inst->in_iov[i].iov_len = SLOT - 8;
    struct msghdr *h = &inst->in[i].msg_hdr;
    memset(h, 0, sizeof(*h));
    h->msg_iov = &inst->in_iov[i];
    h->msg_iovlen = 1;
    h->msg_name = &inst->in_from[i];
    h->msg_namelen = sizeof(inst->in_from[i]);
  }
}

static int receive(inst_t *inst, alloc_t *a, int fd, size_t header_room) {
  prepare_in(inst, header_room);
  for (;;) {
    int n = recvmmsg(fd, inst->in, BATCH, MSG_DONTWAIT, NULL);
    if (n >= 0) {
      a->counters[C_RECEIVED] += n;
      return n;
    }
    /* an ICMP error queued on a connected socket is reported once: read on */
    if (errno == EINTR || errno == ECONNREFUSED || errno == EHOSTUNREACH || errno == ENETUNREACH) continue;
    return -1;
  }
}

/* Puts one datagram in the outgoing batch at `i` (`to` NULL: the socket's connected peer). */
static void queue(inst_t *inst, int i, uint8_t *base, size_t len, const chan_t *to) {
  struct msghdr *m = &inst->out[i].msg_hdr;
  memset(m, 0, sizeof(*m));
  inst->out_iov[i].iov_base = base;
  inst->out_iov[i].iov_len = len;
  m->msg_iov = &inst->out_iov[i];
  m->msg_iovlen = 1;
  if (to != NULL) {
    /* a copy: a sync during this batch may free the channel table */
    inst->out_to[i] = to->peer;
    m->msg_name = &inst->out_to[i];
    m->msg_namelen = to->peer_len;
  }
}

/* One batch from a client's own socket: its ChannelData to its peers through the relay. */
static void client_batch(inst_t *inst, alloc_t *a, int n, double now) {
  int nout = 0, out_fd = -1;
  for (int i = 0; i < n && !a->closed; i++) {
    uint8_t *b = inst->in_iov[i].iov_base;
    size_t len = inst->in[i].msg_len;
    const struct sockaddr_storage *from = &inst->in_from[i];
    if (len >= 4 && (b[0] & 0xc0) == 0x40 && same_addr(from, &a->client_addr)) {
      size_t data = ((size_t)b[2] << 8) | b[3];
      chan_t *c = data <= len - 4 ? by_number(a, (uint16_t)((b[0] << 8) | b[1])) : NULL;
      sock_t *relay = c == NULL ? NULL : c->peer.ss_family == AF_INET ? a->relay4 : a->relay6;
      if (relay != NULL && c->expires > now && permitted(a, &c->peer, now)) {
        if (out_fd != relay->fd && nout > 0) {
          flush(a, out_fd, inst->out, nout);
          nout = 0;
        }
        out_fd = relay->fd;
        queue(inst, nout++, b + 4, data, c);
        a->counters[C_TO_PEER_PACKETS]++;
        a->counters[C_TO_PEER_BYTES] += (double)data;
        continue;
      }
    }
    /* everything else is the engine's, in order: what is queued goes first */
    if (nout > 0) flush(a, out_fd, inst->out, nout);
    nout = 0;
    to_js(inst, a, 0, b, len, from);
  }
  if (nout > 0 && !a->closed) flush(a, out_fd, inst->out, nout);
}

/* One batch from a relay socket: what permitted peers with a channel send, to the client. */
static void relay_batch(inst_t *inst, alloc_t *a, int n, double now) {
  int nout = 0;
  for (int i = 0; i < n && !a->closed; i++) {
    uint8_t *data = inst->in_iov[i].iov_base;
    size_t len = inst->in[i].msg_len;
    const struct sockaddr_storage *from = &inst->in_from[i];
    chan_t *c = a->client == NULL || len > 0xffff ? NULL : by_peer(a, from);
    if (c != NULL && c->expires > now && permitted(a, from, now)) {
      /* the header goes in the 4 bytes the receive left free in front of the data */
      uint8_t *b = data - 4;
      b[0] = (uint8_t)(c->channel >> 8);
      b[1] = (uint8_t)c->channel;
      b[2] = (uint8_t)(len >> 8);
      b[3] = (uint8_t)len;
      queue(inst, nout++, b, len + 4, NULL);
      a->counters[C_TO_CLIENT_PACKETS]++;
      a->counters[C_TO_CLIENT_BYTES] += (double)len;
      continue;
    }
    if (nout > 0) flush(a, a->client->fd, inst->out, nout);
    nout = 0;
    to_js(inst, a, 1, data, len, from);
  }
  if (nout > 0 && !a->closed) flush(a, a->client->fd, inst->out, nout);
}

/*
 * A socket is readable: up to ROUNDS batches, then back to the loop so that other sockets get
 * their turn (the poll is level-triggered: what is left wakes it again).
 */
static void drain(uv_poll_t *h, int status, size_t header_room,
                  void (*batch)(inst_t *, alloc_t *, int, double)) {
  sock_t *s = h->data;
  inst_t *inst = s->inst;
  alloc_t *a = s->alloc;
  if (status < 0 || a->closed) return;
  a->counters[C_WAKEUPS]++;
  double now = now_ms(inst);
  for (int round = 0; round < ROUNDS && !a->closed; round++) {
    int n = receive(inst, a, s->fd, header_room);
    if (n <= 0) break;
    batch(inst, a, n, now);
    if (n < BATCH) break;
  }
}

static void on_client(uv_poll_t *h, int status, int events) {
  (void)events;
  drain(h, status, 0, client_batch);
}

static void on_relay(uv_poll_t *h, int status, int events) {
  (void)events;
  drain(h, status, 4, relay_batch);
}

/* ---------- sockets ---------- */

static void on_closed(uv_handle_t *h) {
  sock_t *s = h->data;
  close(s->fd);
  free(s);
}

static void close_sock(sock_t *s) {
  if (s == NULL) return;
  s->alloc->counters[C_SOCKETS]--;
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_closed);
}

/* A non-blocking UDP socket bound to addr (SO_REUSEPORT when reuse), watched by the loop. */
static int open_sock(inst_t *inst, alloc_t *a, const struct sockaddr_storage *addr, socklen_t len,
                     int reuse, int is_client, sock_t **out) {
  int fd = socket(addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  int one = 1, zero = 0, size = SOCKET_BUFFER;
  if (addr->ss_family == AF_INET6)
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, is_client ? &zero : &one, sizeof(int));
  if (reuse) setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  if (bind(fd, (const struct sockaddr *)addr, len) < 0) {
    int err = errno;
    close(fd);
    return err;
  }
  sock_t *s = calloc(1, sizeof(sock_t));
  if (s == NULL || uv_poll_init(inst->loop, &s->poll, fd) != 0) {
    free(s);
    close(fd);
    return ENOMEM;
  }
  s->fd = fd;
  s->inst = inst;
  s->alloc = a;
  s->is_client = is_client;
  s->poll.data = s;
  a->counters[C_SOCKETS]++;
  *out = s;
  return 0;
}

/* ---------- N-API glue ---------- */

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) {                                                                       \
      napi_throw_error(env, "ERR_TURN_NATIVE", "turn_relay: bad arguments");                       \
      return NULL;                                                                                 \
    }                                                                                              \
  } while (0)

static inst_t *instance(napi_env env) {
  void *data = NULL;
  napi_get_instance_data(env, &data);
  return data;
}

static napi_value number(napi_env env, double x) {
  napi_value v;
  napi_create_double(env, x, &v);
  return v;
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < want) {
    napi_throw_error(env, "ERR_TURN_NATIVE", "turn_relay: missing arguments");
    return 0;
  }
  return 1;
}

/* The arguments of a call into the addon, and this thread's instance. */
#define ARGS(n)                                                                                    \
  napi_value argv[n];                                                                              \
  if (!get_args(env, info, n, argv)) return NULL;                                                  \
  inst_t *inst = instance(env)

static int get_text(napi_env env, napi_value v, char *buf, size_t size) {
  size_t n;
  return napi_get_value_string_utf8(env, v, buf, size, &n) == napi_ok;
}

/* init(callback): the callback gets what the C path does not relay. */
static napi_value js_init(napi_env env, napi_callback_info info) {
  ARGS(1);
  if (inst->callback != NULL) napi_delete_reference(env, inst->callback);
  CHECK(napi_create_reference(env, argv[0], 1, &inst->callback));
  return NULL;
}

/* openRelay(id, group, address, port): 0 or an errno. */
static napi_value js_open_relay(napi_env env, napi_callback_info info) {
  ARGS(4);
  uint32_t id, group;
  int32_t port;
  char ip[64];
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  CHECK(napi_get_value_uint32(env, argv[1], &group));
  CHECK(get_text(env, argv[2], ip, sizeof(ip)) ? napi_ok : napi_invalid_arg);
  CHECK(napi_get_value_int32(env, argv[3], &port));
  struct sockaddr_storage addr;
  socklen_t len = parse_addr(ip, port, &addr);
  if (len == 0) return number(env, EINVAL);
  alloc_t *a = get_alloc(inst, id, group);
  if (a == NULL) return number(env, ENOMEM);
  sock_t **slot = addr.ss_family == AF_INET ? &a->relay4 : &a->relay6;
  if (*slot != NULL) return number(env, EEXIST);
  sock_t *s;
  int err = open_sock(inst, a, &addr, len, 0, 0, &s);
  if (err != 0) return number(env, err);
  *slot = s;
  uv_poll_start(&s->poll, UV_READABLE, on_relay);
  return number(env, 0);
}

/* attachClient(id, localAddress, localPort, clientAddress, clientPort): 0 or an errno. */
static napi_value js_attach_client(napi_env env, napi_callback_info info) {
  ARGS(5);
  uint32_t id;
  int32_t lport, cport;
  char lip[64], cip[64];
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  CHECK(get_text(env, argv[1], lip, sizeof(lip)) ? napi_ok : napi_invalid_arg);
  CHECK(napi_get_value_int32(env, argv[2], &lport));
  CHECK(get_text(env, argv[3], cip, sizeof(cip)) ? napi_ok : napi_invalid_arg);
  CHECK(napi_get_value_int32(env, argv[4], &cport));
  alloc_t *a = find_alloc(inst, id);
  if (a == NULL) return number(env, ENOENT);
  if (a->client != NULL) return number(env, EEXIST);
  struct sockaddr_storage local, remote;
  socklen_t llen = parse_addr(lip, lport, &local);
  socklen_t rlen = parse_addr(cip, cport, &remote);
  if (llen == 0 || rlen == 0) return number(env, EINVAL);
  if (local.ss_family == AF_INET6 && remote.ss_family == AF_INET) {
    /* a dual-stack TURN port hears IPv4 clients as IPv4-mapped IPv6 */
    struct sockaddr_in v4 = *(struct sockaddr_in *)&remote;
    struct sockaddr_in6 *v6 = (void *)&remote;
    memset(&remote, 0, sizeof(remote));
    v6->sin6_family = AF_INET6;
    v6->sin6_port = v4.sin_port;
    v6->sin6_addr.s6_addr[10] = 0xff;
    v6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&v6->sin6_addr.s6_addr[12], &v4.sin_addr, 4);
    rlen = sizeof(*v6);
  }
  sock_t *s;
  int err = open_sock(inst, a, &local, llen, 1, 1, &s);
  if (err != 0) return number(env, err);
  if (connect(s->fd, (struct sockaddr *)&remote, rlen) < 0) {
    err = errno;
    close_sock(s);
    return number(env, err);
  }
  a->client = s;
  a->client_addr = remote;
  a->client_len = rlen;
  uv_poll_start(&s->poll, UV_READABLE, on_client);
  return number(env, 0);
}

/*
 * sync(id, now, permissions, channels): the allocation's state as the engine has it now.
 * permissions: [ip, expiresAt, ...]; channels: [number, ip, port, expiresAt, ...]; times in the
 * engine's milliseconds (`now` is that clock's present, so that expiry compares alike here).
 */
static napi_value js_sync(napi_env env, napi_callback_info info) {
  ARGS(4);
  uint32_t id, np, nc;
  double now;
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  CHECK(napi_get_value_double(env, argv[1], &now));
  CHECK(napi_get_array_length(env, argv[2], &np));
  CHECK(napi_get_array_length(env, argv[3], &nc));
  inst->clock_offset = 0;
  inst->clock_offset = now - now_ms(inst);
  alloc_t *a = find_alloc(inst, id);
  if (a == NULL) return NULL;
  perm_t *perms = calloc(np / 2 + 1, sizeof(perm_t));
  chan_t *chans = calloc(nc / 4 + 1, sizeof(chan_t));
  if (perms == NULL || chans == NULL) {
    free(perms);
    free(chans);
    napi_throw_error(env, "ERR_TURN_NATIVE", "turn_relay: out of memory");
    return NULL;
  }
  int nperms = 0, nchans = 0;
  for (uint32_t i = 0; i + 1 < np; i += 2) {
    napi_value v;
    char ip[64];
    struct sockaddr_storage addr;
    CHECK(napi_get_element(env, argv[2], i, &v));
    CHECK(get_text(env, v, ip, sizeof(ip)) ? napi_ok : napi_invalid_arg);
    CHECK(napi_get_element(env, argv[2], i + 1, &v));
    CHECK(napi_get_value_double(env, v, &perms[nperms].expires));
    if (parse_addr(ip, 0, &addr) == 0) continue;
    if (addr.ss_family == AF_INET) {
      perms[nperms].family = 4;
      memcpy(perms[nperms].ip, &((struct sockaddr_in *)&addr)->sin_addr, 4);
    } else {
      perms[nperms].family = 6;
      memcpy(perms[nperms].ip, &((struct sockaddr_in6 *)&addr)->sin6_addr, 16);
    }
    nperms++;
  }
  for (uint32_t i = 0; i + 3 < nc; i += 4) {
    napi_value v;
    char ip[64];
    uint32_t channel, port;
    CHECK(napi_get_element(env, argv[3], i, &v));
    CHECK(napi_get_value_uint32(env, v, &channel));
    CHECK(napi_get_element(env, argv[3], i + 1, &v));
    CHECK(get_text(env, v, ip, sizeof(ip)) ? napi_ok : napi_invalid_arg);
    CHECK(napi_get_element(env, argv[3], i + 2, &v));
    CHECK(napi_get_value_uint32(env, v, &port));
    CHECK(napi_get_element(env, argv[3], i + 3, &v));
    CHECK(napi_get_value_double(env, v, &chans[nchans].expires));
    chans[nchans].channel = (uint16_t)channel;
    chans[nchans].peer_len = parse_addr(ip, (int)port, &chans[nchans].peer);
    if (chans[nchans].peer_len != 0) nchans++;
  }
  free(a->perms);
  free(a->chans);
  a->perms = perms;
  a->nperms = nperms;
  a->chans = chans;
  a->nchans = nchans;
  return NULL;
}

/*
 * send(id, bytes, address, port): a datagram the engine relays (a Send indication's data, or
 * ChannelData that reached it another way) out of the allocation's relay socket; 0 or an errno.
 */
static napi_value js_send(napi_env env, napi_callback_info info) {
  ARGS(4);
  uint32_t id;
  int32_t port;
  char ip[64];
  void *data;
  size_t len;
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  CHECK(napi_get_typedarray_info(env, argv[1], NULL, &len, &data, NULL, NULL));
  CHECK(get_text(env, argv[2], ip, sizeof(ip)) ? napi_ok : napi_invalid_arg);
  CHECK(napi_get_value_int32(env, argv[3], &port));
  alloc_t *a = find_alloc(inst, id);
  struct sockaddr_storage to;
  socklen_t tolen = parse_addr(ip, port, &to);
  if (a == NULL) return number(env, ENOENT);
  sock_t *relay = tolen == 0 ? NULL : to.ss_family == AF_INET ? a->relay4 : a->relay6;
  if (relay == NULL) return number(env, EAFNOSUPPORT);
  if (sendto(relay->fd, data, len, MSG_DONTWAIT, (struct sockaddr *)&to, tolen) < 0) {
    a->counters[C_SEND_FAILED]++;
    return number(env, errno);
  }
  return number(env, 0);
}

/* setNow(now): the engine's clock now, for expiries. */
static napi_value js_set_now(napi_env env, napi_callback_info info) {
  ARGS(1);
  double now;
  CHECK(napi_get_value_double(env, argv[0], &now));
  inst->clock_offset = 0;
  inst->clock_offset = now - now_ms(inst);
  return NULL;
}

static void close_alloc(inst_t *inst, alloc_t *a) {
  a->closed = 1;
  close_sock(a->client);
  close_sock(a->relay4);
  close_sock(a->relay6);
  a->client = a->relay4 = a->relay6 = NULL;
  alloc_t **p = &inst->buckets[a->id % BUCKETS];
  while (*p != a) p = &(*p)->next;
  *p = a->next;
  free(a->perms);
  free(a->chans);
  a->perms = NULL;
  a->chans = NULL;
  a->nperms = a->nchans = 0;
}

/* Allocations closed while one of their callbacks runs are freed on the next loop turn. */
static void free_later(uv_handle_t *h) {
  free(h->data);
  free(h);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  ARGS(1);
  uint32_t id;
  CHECK(napi_get_value_uint32(env, argv[0], &id));
  alloc_t *a = find_alloc(inst, id);
  if (a == NULL) return NULL;
  close_alloc(inst, a);
  uv_idle_t *later = malloc(sizeof(uv_idle_t));
  if (later == NULL) return NULL; /* leak one small struct rather than free it under a callback */
  uv_idle_init(inst->loop, later);
  later->data = a;
  uv_close((uv_handle_t *)later, free_later);
  return NULL;
}

/* counters(group): [toPeerPackets, toPeerBytes, toClientPackets, toClientBytes, sendFailed, toJs,
 * wakeups, received, sockets] */
static napi_value js_counters(napi_env env, napi_callback_info info) {
  ARGS(1);
  uint32_t group;
  CHECK(napi_get_value_uint32(env, argv[0], &group));
  double *counters = inst->counters[group % GROUPS];
  napi_value arr;
  napi_create_array_with_length(env, C_COUNT, &arr);
  for (uint32_t i = 0; i < C_COUNT; i++) napi_set_element(env, arr, i, number(env, counters[i]));
  return arr;
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  inst_t *inst = data;
  /* The process or worker is going: its loop closes the handles; only the memory is ours. */
  free(inst->slots);
  free(inst);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  inst_t *inst = calloc(1, sizeof(inst_t));
  if (inst == NULL) return NULL;
  inst->env = env;
  inst->slots = malloc((size_t)BATCH * SLOT);
  if (inst->slots == NULL || napi_get_uv_event_loop(env, &inst->loop) != napi_ok) {
    free(inst->slots);
    free(inst);
    return NULL;
  }
  napi_value name;
  napi_create_string_utf8(env, "peerlink-turn-relay", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &inst->async);
  napi_set_instance_data(env, inst, finalize, NULL);
  napi_property_descriptor props[] = {
      {"init", NULL, js_init, NULL, NULL, NULL, napi_default, NULL},
      {"openRelay", NULL, js_open_relay, NULL, NULL, NULL, napi_default, NULL},
      {"attachClient", NULL, js_attach_client, NULL, NULL, NULL, napi_default, NULL},
      {"sync", NULL, js_sync, NULL, NULL, NULL, napi_default, NULL},
      {"setNow", NULL, js_set_now, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"counters", NULL, js_counters, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  return exports;
}
