/*
 * catalog.h: the image metadata, in SQLite (the original's DynamoDB table
 * ImageMetadata and its GSI UserIdIndex).
 *
 * The catalog owns the database file and every connection to it.  It
 * knows nothing of HTTP or JSON: records go in as structs and come out
 * through callbacks whose strings are borrowed from SQLite, valid only
 * during the call (so a page is rendered with no copies).
 *
 * Invariants:
 * - a row is inserted only after its blob is durable (the caller's part);
 * - created_at is unique and increasing across all inserts of one catalog,
 *   also across restarts (it continues from the largest stored value);
 * - every call is thread-safe: readers take a connection from a pool,
 *   writers share one writer connection; concurrent inserts are committed
 *   together (group commit) and each returns only once its row is durable
 *   (WAL, synchronous=FULL).
 */
#ifndef IMAGED_CATALOG_H
#define IMAGED_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "imaged/err.h"
#include "imaged/image.h"

struct catalog;
struct clock;

#define LIST_LIMIT_MAX	100
#define LIST_TAGS_MAX	32	/* most tags one listing may filter on */

/* Called with each record; a non-IMG_OK return stops and is returned. */
typedef enum img_err (*catalog_record_cb)(void *arg,
    const struct image_record *);

/*
 * Open (creating if need be) the database at path, upgrading an older
 * schema.  nreaders bounds the pool of reading connections (a caller with
 * N request threads passes N).  *catp gets the catalog.  Errors:
 * IMG_EUNAVAIL when the file cannot be opened or is not a database of ours.
 */
enum img_err	 catalog_open(const char *path, unsigned nreaders,
		    struct catalog **catp);
/* Close every connection; NULL is a no-op.  No call may be running. */
void		 catalog_close(struct catalog *);

/*
 * Read the time of created_at and updated_at from clock (borrowed; it
 * must outlive the catalog) rather than the system's.  Call before use.
 */
void		 catalog_set_clock(struct catalog *, struct clock *);
/*
 * Remove every row, listed or quarantined, and every pending removal, and
 * start created_at afresh, as in a new database (test_mode's reset).  No
 * insert may be running (the caller holds them off).
 */
enum img_err	 catalog_clear(struct catalog *);
/* The largest created_at handed out so far (0 in a new catalog). */
int64_t		 catalog_last_created(struct catalog *);

/* Whether the database answers a query (for /healthz).  IMG_EUNAVAIL if not. */
enum img_err	 catalog_ping(struct catalog *);

/*
 * Insert a new image.  rec's created_at and updated_at are ignored: the
 * catalog assigns created_at (unique, increasing) and sets updated_at to it,
 * and returns it in *created_at.  Returns once the row is durable.
 * Errors: IMG_EINTERNAL (a duplicate image_id among them), IMG_EUNAVAIL
 * (database busy past its bound), IMG_ENOSPACE (disk full).
 */
enum img_err	 catalog_insert(struct catalog *,
		    const struct image_record *rec,
		    const struct image_meta *meta, int64_t *created_at);
/*
 * catalog_insert for a row committed while its file is still being
 * synced, so that the two flushes overlap: the same transaction marks the
 * row (pending_files) until catalog_file_synced, and a start after a
 * crash checks the file of every marked row (catalog_unsynced).
 */
enum img_err	 catalog_insert_unsynced(struct catalog *,
		    const struct image_record *rec,
		    const struct image_meta *meta, int64_t *created_at);
/*
 * The file of image_id is durable: its mark goes with the next write
 * (or at close), costing no commit of its own.  Thread-safe, and waits
 * for no commit.
 */
void		 catalog_file_synced(struct catalog *, const char *image_id);
/* A marked row, as catalog_unsynced finds it. */
struct catalog_unsynced_file {
	const char	*image_id;
	const char	*s3_key;	/* NULL: no listed row */
	const char	*sha256;
	int64_t		 file_size;
	int64_t		 created_at;
};
/* Called with each mark; a non-IMG_OK return stops and is returned. */
typedef enum img_err (*catalog_unsynced_cb)(void *arg,
		    const struct catalog_unsynced_file *);
/* Call cb with every marked row (after a crash: uploads to check). */
enum img_err	 catalog_unsynced(struct catalog *, catalog_unsynced_cb,
		    void *arg);
/*
 * Drop the mark of image_id, durably; with remove_row, the row goes too
 * (its file never became whole, and no one was told it was stored).
 */
enum img_err	 catalog_unsynced_done(struct catalog *, const char *image_id,
		    bool remove_row);

/* Call cb with the record of image_id.  IMG_ENOTFOUND if there is none. */
enum img_err	 catalog_get(struct catalog *, const char *image_id,
		    catalog_record_cb, void *arg);

/*
 * Set the fields named in mask (META_*) from meta, move updated_at to now
 * (or past the previous value), and call cb with the updated record, all in
 * one transaction.  IMG_ENOTFOUND if there is no such image.
 */
enum img_err	 catalog_update(struct catalog *, const char *image_id,
		    const struct image_meta *meta, unsigned mask,
		    catalog_record_cb, void *arg);

/*
 * Delete the row of image_id and copy its s3_key into key (keylen bytes,
 * enough for any key: 256), so the caller can remove the file after the
 * row is gone.  The same transaction records the key as a pending removal
 * (see catalog_unlinked); from its commit on, no call sees the row, which
 * goes for good with the pending removal.  IMG_ENOTFOUND if there is none.
 */
enum img_err	 catalog_delete(struct catalog *, const char *image_id,
		    char *key, size_t keylen);

/*
 * Reads by id and pages are kept in memory, and served from there while
 * nothing is committed to the catalog, by this process or another: how
 * many reads were served so (hits), and how many were kept (fills).
 */
void		 catalog_cache_stats(struct catalog *, uint64_t *hits,
		    uint64_t *fills);

/* --- listing -------------------------------------------------------------- */
enum list_order {
	LIST_DESC = 0,		/* newest first */
	LIST_ASC
};

/* A position in the listing order: the (created_at, image_id) of a record. */
struct list_pos {
	int64_t		 created_at;
	char		 image_id[IMAGE_ID_SIZE];
};

struct list_query {
	const char		*user_id;	/* NULL: every user */
	/* case-insensitive substring, NULL: any */
	const char		*title;
	/* case-insensitive substring, NULL: any */
	const char		*location;
	const char *const	*tags;		/* NULL/0: any */
	size_t			 ntags;		/* <= LIST_TAGS_MAX */
	/* all of the tags, else any of them */
	bool			 tags_all;
	/* inclusive; INT64_MIN: unbounded */
	int64_t			 created_after;
	/* inclusive; INT64_MAX: unbounded */
	int64_t			 created_before;
	enum list_order		 order;
	unsigned		 limit;		/* 1..LIST_LIMIT_MAX */
	const struct list_pos	*after;		/* NULL: from the start */
	/*
	 * 0: no bound.  Else the call gives up with IMG_ESLOW once it has
	 * worked this many microseconds of its thread's CPU time (records
	 * already given to the callback are then to be dropped).
	 */
	unsigned		 budget_us;
};

/*
 * Call cb with up to q->limit records matching every filter, in order,
 * strictly after q->after.  Filters apply before the limit, so the page is
 * short only when it is the last.  *more tells whether another matching
 * record follows the page; *last is the position of the page's last record
 * (untouched when the page is empty).  Never a full scan when user_id or
 * tags are given.  Errors: IMG_ESLOW past q->budget_us.
 */
enum img_err	 catalog_list(struct catalog *, const struct list_query *q,
		    catalog_record_cb, void *arg, struct list_pos *last,
		    bool *more);

/*
 * The file of a deleted row's key is gone: drop the key from the pending
 * removals, and the row of image_id (NULL when the key names no image)
 * for good.  A commit of its own that does not wait for the disk: a
 * crash may take it back, and the key is then still pending, finished
 * again at the next start.  Thread-safe; waits for a commit running.
 */
void		 catalog_unlinked(struct catalog *, const char *image_id,
		    const char *s3_key);
/* Called with each key; a non-IMG_OK return stops and is returned. */
typedef enum img_err (*catalog_key_cb)(void *arg, const char *s3_key);
/* Call cb with every pending removal (a start after a crash finishes them). */
enum img_err	 catalog_pending_unlinks(struct catalog *, catalog_key_cb,
		    void *arg);

/* --- maintenance (imaged check) ------------------------------------------- */

/*
 * Call cb with every listed row, oldest first, inside one read
 * transaction (writers go on meanwhile; the scan sees the catalog as it
 * was when it began).
 */
enum img_err	 catalog_scan(struct catalog *, catalog_record_cb, void *arg);
/*
 * Move a row out of the listing (it stays, for inspection, but no call
 * sees it any more).  IMG_ENOTFOUND if there is no listed row of that id.
 */
enum img_err	 catalog_quarantine(struct catalog *, const char *image_id);
/*
 * Whether the row of image_id, listed or quarantined, holds this s3_key:
 * IMG_OK or IMG_ENOTFOUND.
 */
enum img_err	 catalog_key_known(struct catalog *, const char *image_id,
		    const char *s3_key);
/* The number of quarantined rows. */
enum img_err	 catalog_quarantined(struct catalog *, int64_t *count);

/* --- data in and out (imaged export, import, backup) ---------------------- */

/*
 * Call cb with every row, listed and quarantined, oldest first, inside one
 * read transaction (a snapshot: writers go on meanwhile).  For a backup,
 * which must carry the files of quarantined rows too.
 */
enum img_err	 catalog_scan_every(struct catalog *, catalog_record_cb,
		    void *arg);
/* The number of listed rows and the sum of their file sizes. */
enum img_err	 catalog_totals(struct catalog *, int64_t *rows,
		    int64_t *bytes);
/*
 * Write a consistent copy of the whole database, as it is at one moment,
 * to a new file at path (VACUUM INTO: writers go on meanwhile).  The file
 * must not exist.  Errors: IMG_EUNAVAIL, IMG_ENOSPACE.
 */
enum img_err	 catalog_copy_to(struct catalog *, const char *path);
/*
 * Whether a row of image_id exists, listed or quarantined: IMG_OK
 * or IMG_ENOTFOUND.
 */
enum img_err	 catalog_id_known(struct catalog *, const char *image_id);

/* One row brought in from outside, with its own created_at and updated_at. */
struct catalog_import_row {
	/* created_at, updated_at used */
	const struct image_record	*rec;
	const struct image_meta		*meta;
	/* out: false if the id was there */
	bool				 added;
};

/*
 * Insert rows that keep their times, in one transaction, skipping any
 * whose image_id is already stored (rows[i].added says which went in).
 * created_at must stay unique: a row whose created_at is taken moves to
 * the next free microsecond.  The sequence moves past the largest, so the
 * daemon's next upload still sorts last.  Each row's blob must be durable
 * before the call (the caller's part).  Errors: IMG_EINVAL (a created_at
 * not before now), IMG_EUNAVAIL, IMG_ENOSPACE; on error no row is added.
 */
enum img_err	 catalog_import(struct catalog *,
		    struct catalog_import_row *rows, size_t n);

/*
 * For a command that walks the whole catalog once (export, import,
 * backup): give every open connection a small page cache and no memory
 * map, so that memory stays flat however large the file.  Call right
 * after catalog_open with one reader, before any other call.
 */
enum img_err	 catalog_lean(struct catalog *);

#endif
