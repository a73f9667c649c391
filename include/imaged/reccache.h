/*
 * reccache.h: records kept in memory while the catalog they were read
 * from has not changed.
 *
 * A cache is a fixed table of slots, each holding at most one entry: the
 * records read for one key (an image id, a page's query) at one version
 * of the catalog, plus a word of the caller's.  The version is opaque
 * here: the catalog promises that equal versions are equal catalogs.  A
 * key read again at another version replaces its slot's entry; two keys
 * that share a slot take turns.  Memory is bounded by the slots.
 *
 * An entry is immutable once stored.  A lookup that finds its key at the
 * version asked for takes a reference, so a slot may be refilled while
 * readers still use the entry they found.  Thread-safe.
 */
#ifndef IMAGED_RECCACHE_H
#define IMAGED_RECCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imaged/image.h"

#define RECCACHE_VERSION_SIZE	48
/* An entry past this many bytes of text is not kept. */
#define RECCACHE_ENTRY_MAX	(256 * 1024)

struct reccache;
struct reccache_entry;

/* nslots is rounded up to a power of two.  NULL: out of memory. */
struct reccache	*reccache_new(unsigned nslots);
void		 reccache_free(struct reccache *);

/* The entry of key at version, referenced (reccache_release), or NULL. */
struct reccache_entry *reccache_find(struct reccache *, const char *key,
		    const unsigned char *version);
void		 reccache_release(struct reccache_entry *);
size_t		 reccache_count(const struct reccache_entry *);
const struct image_record *reccache_record(const struct reccache_entry *,
		    size_t i);
uint64_t	 reccache_word(const struct reccache_entry *);

/*
 * Building an entry: new, then add each record (a copy is made) and set
 * the word; then store it, or release it to drop it.  Stored or not, the
 * builder's reference stays the builder's, so the records it holds can
 * be handed on the same way as a found entry's.
 */
struct reccache_entry *reccache_entry_new(const char *key,
		    const unsigned char *version, size_t max_records);
/* false: out of memory, or more than max_records. */
bool		 reccache_entry_add(struct reccache_entry *,
		    const struct image_record *);
void		 reccache_entry_set_word(struct reccache_entry *, uint64_t);
/* Keep the entry (taking a reference of its own) unless too large. */
void		 reccache_store(struct reccache *, struct reccache_entry *);

/* Lookups that found their entry, and entries kept, since reccache_new. */
void		 reccache_stats(struct reccache *, uint64_t *hits,
		    uint64_t *stores);

#endif /* IMAGED_RECCACHE_H */
