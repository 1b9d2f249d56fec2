/* Frames handed over by any thread to the I/O thread: a locked FIFO that wakes the I/O thread's
 * poll through an eventfd. */
#ifndef PLQS_OUTBOX_H
#define PLQS_OUTBOX_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

typedef struct plqs_outbox_item {
  struct plqs_outbox_item *next;
  uint8_t *frame; /* an encoded frame (length prefix + JSON), malloc'd */
  size_t len;
} plqs_outbox_item;

typedef struct plqs_outbox {
  pthread_mutex_t lock;
  plqs_outbox_item *head, *tail;
  int eventfd;
} plqs_outbox;

int plqs_outbox_init(plqs_outbox *o);
void plqs_outbox_destroy(plqs_outbox *o);
/* Takes ownership of frame. Wakes the I/O thread. */
int plqs_outbox_push(plqs_outbox *o, uint8_t *frame, size_t len);
/* Wakes the I/O thread without a frame (disconnect, ...). */
void plqs_outbox_wake(plqs_outbox *o);
/* Clears the eventfd's counter (call when it polls readable). */
void plqs_outbox_ack_wake(plqs_outbox *o);
/* Detaches every queued item, oldest first; the caller frees them (plqs_outbox_free_items). */
plqs_outbox_item *plqs_outbox_take_all(plqs_outbox *o);
void plqs_outbox_free_items(plqs_outbox_item *items);

#endif
