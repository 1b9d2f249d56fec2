/*
 * tap-link: a cable with delay and jitter, made of two TAP devices (the kernel here has no netem).
 *
 *   tap-link NAME_A NAME_B DELAY_A_TO_B_US DELAY_B_TO_A_US JITTER_US SEED
 *
 * Creates TAP devices NAME_A and NAME_B, prints "ready" on stdout, and from then on copies every
 * Ethernet frame read from one to the other after its one-way delay plus a uniform random jitter in
 * [0, JITTER_US]. Frames never overtake each other (a real link does not reorder), so a frame waits
 * for the later of its own release time and the previous frame's. The caller moves the devices into
 * network namespaces after "ready"; the file descriptors stay valid across the move. Loss is not done
 * here but by nftables, so both halves of a link condition can be read from the ruleset. Exits (and
 * the devices vanish) on SIGTERM, SIGINT, or when stdin closes: a killed parent leaves no link behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 1600
#define QUEUE_LEN 8192

struct frame { int64_t release_us; uint16_t len; unsigned char data[FRAME_MAX]; };
struct queue { struct frame *f; unsigned head, count; int64_t delay_us, last_release_us; unsigned long dropped; };

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int open_tap(const char *name) {
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
  if (fd < 0) { perror("open /dev/net/tun"); exit(2); }
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) { fprintf(stderr, "TUNSETIFF %s: %s\n", name, strerror(errno)); exit(2); }
  return fd;
}

static uint64_t rng;
static uint64_t next_random(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return rng; }

/* Reads every frame waiting on `from` into `q`, stamping each with its release time. */
static void drain(int from, struct queue *q, int64_t jitter_us) {
  for (;;) {
    if (q->count == QUEUE_LEN) { /* a full queue drops, as a router buffer would */
      unsigned char scratch[FRAME_MAX];
      if (read(from, scratch, sizeof scratch) <= 0) return;
      q->dropped++;
      continue;
    }
    struct frame *fr = &q->f[(q->head + q->count) % QUEUE_LEN];
    ssize_t n = read(from, fr->data, FRAME_MAX);
    if (n <= 0) return;
    int64_t release = now_us() + q->delay_us + (jitter_us > 0 ? (int64_t)(next_random() % (uint64_t)(jitter_us + 1)) : 0);
    if (release < q->last_release_us) release = q->last_release_us;
    q->last_release_us = release;
    fr->release_us = release;
    fr->len = (uint16_t)n;
    q->count++;
  }
}

/* Writes every due frame of `q` to `to`; returns microseconds until the next one is due, or -1. */
static int64_t flush(int to, struct queue *q) {
  while (q->count > 0) {
    struct frame *fr = &q->f[q->head];
    int64_t wait = fr->release_us - now_us();
    if (wait > 0) return wait;
    if (write(to, fr->data, fr->len) < 0 && errno == EAGAIN) return 1000;
    q->head = (q->head + 1) % QUEUE_LEN;
    q->count--;
  }
  return -1;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: tap-link NAME_A NAME_B DELAY_A_TO_B_US DELAY_B_TO_A_US JITTER_US SEED\n");
    return 2;
  }
  int fd[2] = { open_tap(argv[1]), open_tap(argv[2]) };
  struct queue q[2]; /* q[0]: frames from A waiting for B; q[1]: from B waiting for A */
  for (int i = 0; i < 2; i++) {
    memset(&q[i], 0, sizeof q[i]);
    q[i].f = calloc(QUEUE_LEN, sizeof(struct frame));
    if (!q[i].f) { perror("calloc"); return 2; }
    q[i].delay_us = atoll(argv[3 + i]);
  }
  int64_t jitter_us = atoll(argv[5]);
  rng = (uint64_t)atoll(argv[6]) * 2654435761u + 88172645463325252ull;
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  printf("ready\n");
  fflush(stdout);

  while (!stop) {
    int64_t wait = -1;
    for (int i = 0; i < 2; i++) {
      int64_t w = flush(fd[1 - i], &q[i]);
      if (w >= 0 && (wait < 0 || w < wait)) wait = w;
    }
    struct pollfd p[3] = { { fd[0], POLLIN, 0 }, { fd[1], POLLIN, 0 }, { 0, POLLIN, 0 } };
    if (wait < 0) wait = 1000000;
    struct timespec ts = { (time_t)(wait / 1000000), (long)(wait % 1000000) * 1000 };
    if (ppoll(p, 3, &ts, NULL) < 0 && errno != EINTR) { perror("ppoll"); return 1; }
    if (p[2].revents & (POLLIN | POLLHUP)) {
      char b[64];
      if (read(0, b, sizeof b) <= 0) break; /* parent gone */
    }
    for (int i = 0; i < 2; i++)
      if (p[i].revents & POLLIN) drain(fd[i], &q[i], jitter_us);
  }
  fprintf(stderr, "tap-link: stopped (queue drops %lu/%lu)\n", q[0].dropped, q[1].dropped);
  return 0;
}
