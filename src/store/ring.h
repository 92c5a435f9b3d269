/* SPDX-License-Identifier: Apache-2.0 */
/* ring.h - one container's history: samples covering the last max_age of time, kept packed.
 * cAdvisor's in-memory cache semantics: on insert, samples older than (newest - max_age) are evicted;
 * queries return the newest N samples within [start, end], oldest first.
 * All calls are thread-safe (one mutex per ring; never held across formatting). */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct cadv_sample;
struct cadv_ring;

/* expected_interval_ns sizes the first allocation; the ring grows as needed up to what max_age
 * needs. Never returns NULL. */
struct cadv_ring *cadv_ring_new(uint64_t max_age_ns, uint64_t expected_interval_ns);
struct cadv_ring *cadv_ring_free(struct cadv_ring *r);
/* Copies s in. Returns 0, or -EINVAL if it is older than the newest stored sample. */
int cadv_ring_add(struct cadv_ring *r, const struct cadv_sample *s);
/* Number of samples stored. */
size_t cadv_ring_count(struct cadv_ring *r);
/* Copies the newest sample into *dst (initialised with cadv_sample_init). Returns 0 or -ENOENT. */
int cadv_ring_latest(struct cadv_ring *r, struct cadv_sample *dst);
/* Copies the two newest samples (newest first) for dynamic housekeeping; returns how many (0..2). */
int cadv_ring_latest2(struct cadv_ring *r, struct cadv_sample *newest, struct cadv_sample *prev);
/* Newest max_n samples with start_ns <= ts <= end_ns (end_ns 0 = no bound), oldest first.
 * max_n < 0 means all, 0 means none. *ret is a malloc'd array of *ret_n samples; free with
 * cadv_samples_free (model/sample.h). */
int cadv_ring_query(struct cadv_ring *r, uint64_t start_ns, uint64_t end_ns, int max_n,
                    struct cadv_sample **ret, size_t *ret_n);
/* Bytes held by this ring (for self-metrics). */
size_t cadv_ring_bytes(struct cadv_ring *r);
