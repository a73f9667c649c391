/*
 * catalog.c: the image metadata store, in SQLite.  Only this file talks to
 * SQLite.
 *
 * Schema (version 1; PRAGMA user_version holds the version, application_id
 * marks the file as ours, and migrations[] below upgrades older files):
 * - images: one row per image.  Its rowid is created_at (INTEGER PRIMARY
 *   KEY; unique, assigned increasing), image_id is UNIQUE.  Measured at 1M
 *   rows against a WITHOUT ROWID table keyed by image_id and against a
 *   rowid table with image_id as its key: rows append at the right edge of
 *   the b-tree, the file is 15-18% smaller (no separate created_at index:
 *   the table is that index), a page of one user's listing is up to 25%
 *   faster and a page of the all-users listing 3x faster than WITHOUT
 *   ROWID, and a lookup by image_id costs the same (a unique-index probe,
 *   then a rowid probe).  Rows carry descriptions of up to 4 KiB, which
 *   WITHOUT ROWID tables handle poorly anyway.  state is 0 for a listed
 *   row; a repair tool may quarantine a row by setting it to 1, and then
 *   no call here sees it.  A delete sets it to 2 (version 3): the row
 *   leaves every listing in a commit of two pages (its own and its
 *   pending removal's), and goes for good, with its index entries, once
 *   its file is gone (catalog_unlinked).
 * - images_user (user_id, created_at, image_id): one user's listing is a
 *   range scan of it.
 * - image_tags (tag, created_at, image_id) WITHOUT ROWID: one tag's
 *   images in listing order, a range scan of its primary key.
 * - images_fts: FTS5, trigram tokenizer, over title and location, for
 *   case-insensitive substring search.  It is an external-content table
 *   (content=images, rowid = created_at) rather than contentless: the text
 *   is stored once, in images, and the index can be rebuilt from it
 *   ('rebuild') or checked against it ('integrity-check') by a repair tool,
 *   which a contentless index cannot; both need the old values to delete,
 *   which the triggers have.  detail=column: the index keeps no position
 *   lists, so a substring is looked up as an AND of its trigrams (a
 *   superset of the matches) and checked exactly on the row; queries
 *   measured no slower than phrase queries on a detail=full index.
 * - catalog_seq: the largest created_at ever handed out, so that deleting
 *   the newest image and restarting never hands its created_at out again.
 * - pending_unlink (version 2): the s3_key of each deleted row whose file
 *   may still exist, inserted in the transaction that deletes the row.  A
 *   key leaves it once its file is gone, with the deleted row, in a
 *   commit that does not wait for the disk: should a crash undo it, the
 *   key is still pending, and a start finishes what is left.
 * - pending_files (version 4): the image_id of each row committed while
 *   its file was still being synced (catalog_insert_unsynced), so that an
 *   upload's two flushes overlap.  It leaves with the next write once the
 *   file is durable; a start after a crash checks the file of each one
 *   left, and removes the row if the file is not whole.
 *
 * Invariants:
 * - image_tags and images_fts are derived from images by triggers, in the
 *   same statement (so the same transaction) as every insert, update and
 *   delete of a row, whoever writes it; the tags column (a JSON array) is
 *   the truth they follow.  created_at and image_id never change.
 * - created_at = max(now, last + 1), assigned under the writer lock, so it
 *   is unique and increasing across all inserts and restarts.
 * - one writer connection, used only under wlock; reader connections are
 *   each used by one thread at a time, taken from and returned to the
 *   pool.  Each connection prepares a statement once and reuses it; every
 *   statement is reset when a call ends, so no read transaction outlives
 *   a call.
 * - concurrent inserts and deletes are committed together: callers queue
 *   their writes, the first to find no commit running (the leader) writes
 *   the whole queue in one transaction under wlock, commits
 *   (synchronous=FULL, so the WAL is on disk), and wakes the others.
 *   Each caller returns once its own row is durable or has failed, with
 *   its own result.
 * - nothing is global: every piece of state hangs off struct catalog.
 */
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "imaged/buf.h"
#include "imaged/catalog.h"
#include "imaged/clock.h"
#include "catalog_sql.h"
#include "imaged/log.h"
#include "imaged/reccache.h"

#define CATALOG_APP_ID	0x696d6764	/* "imgd" */
#define BUSY_MS		5000		/* then SQLITE_BUSY: IMG_EUNAVAIL */
/* with -v, slower statements are logged */
#define SLOW_SQL_MS	50
#define FTS_QUERY_MAX	(64 * 1024)
/*
 * Records read by id are kept while the catalog is unchanged (see
 * catalog_version()): a GET then costs no read transaction.  Slots of
 * one record each, so at most a few hundred KiB.
 */
#define GETCACHE_SLOTS	256
/* Pages too: fewer slots, as a page may hold up to 100 records. */
#define LISTCACHE_SLOTS	32
#define LIST_KEY_MAX	(64 * 1024)

/*
 * Each connection may cache up to 64 MiB of pages (the cache grows only as
 * pages are read).  Reads also go through a memory map of the file: a page
 * the cache lacks is then a copy from the OS page cache rather than a
 * read(2).  Writes still go through the WAL.
 *
 * The WAL is checkpointed by the committing connection every 1000 pages
 * (SQLite's default): a larger interval coalesces more rewrites of hot
 * pages (about 25% fewer bytes written per insert at 10000) but makes each
 * checkpoint, which stalls that commit and every insert queued behind it,
 * ten times longer.  Inserts are bounded far lower by the image's own
 * fsync, so short stalls win.
 */
#define COMMON_PRAGMAS							\
	"PRAGMA cache_size = -65536;"					\
	"PRAGMA mmap_size = 1073741824;"				\
	"PRAGMA temp_store = MEMORY;"
#define READER_PRAGMAS	COMMON_PRAGMAS "PRAGMA query_only = ON;"
#define WRITER_PRAGMAS	COMMON_PRAGMAS "PRAGMA synchronous = FULL;"

/*
 * The schema, one step per version: step i takes a file from version i to
 * version i + 1, inside the transaction that also sets user_version.
 * Steps are never edited once released; a change is a new step.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"PRAGMA application_id = 1768777572;"	/* CATALOG_APP_ID */
	"CREATE TABLE images ("
	" created_at INTEGER PRIMARY KEY,"
	" image_id TEXT NOT NULL UNIQUE,"
	" user_id TEXT NOT NULL,"
	" filename TEXT NOT NULL,"
	" s3_key TEXT NOT NULL,"
	" content_type TEXT NOT NULL,"
	" file_size INTEGER NOT NULL,"
	" checksum_sha256 TEXT NOT NULL,"
	" width INTEGER,"
	" height INTEGER,"
	" title TEXT,"
	" description TEXT,"
	" location TEXT,"
	" tags TEXT NOT NULL DEFAULT '[]' CHECK (json_type(tags) = 'array'),"
	" updated_at INTEGER NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX images_user ON images (user_id, created_at, image_id);"
	"CREATE TABLE image_tags ("
	" tag TEXT NOT NULL,"
	" created_at INTEGER NOT NULL,"
	" image_id TEXT NOT NULL,"
	" PRIMARY KEY (tag, created_at, image_id)) WITHOUT ROWID;"
	"CREATE VIRTUAL TABLE images_fts USING fts5(title, location,"
	" content = 'images', content_rowid = 'created_at',"
	" tokenize = 'trigram', detail = column);"
	"CREATE TABLE catalog_seq ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" last_created INTEGER NOT NULL);"
	"INSERT INTO catalog_seq (id, last_created) VALUES (1, 0);"
	"CREATE TRIGGER images_immutable BEFORE UPDATE OF created_at, image_id"
	" ON images"
	" WHEN old.created_at IS NOT new.created_at"
	"  OR old.image_id IS NOT new.image_id"
	" BEGIN SELECT RAISE(ABORT, 'created_at and image_id never change');"
	" END;"
	"CREATE TRIGGER images_ins AFTER INSERT ON images BEGIN"
	" INSERT INTO images_fts (rowid, title, location)"
	"  VALUES (new.created_at, new.title, new.location);"
	" INSERT OR IGNORE INTO image_tags (tag, created_at, image_id)"
	"  SELECT value, new.created_at, new.image_id FROM json_each(new.tags)"
	"  WHERE type = 'text';"
	" END;"
	"CREATE TRIGGER images_del AFTER DELETE ON images BEGIN"
	" INSERT INTO images_fts (images_fts, rowid, title, location)"
	"  VALUES ('delete', old.created_at, old.title, old.location);"
	" DELETE FROM image_tags WHERE created_at = old.created_at AND tag IN"
	"  (SELECT value FROM json_each(old.tags) WHERE type = 'text');"
	" END;"
	"CREATE TRIGGER images_upd_text AFTER UPDATE OF title, location"
	" ON images"
	" WHEN old.title IS NOT new.title OR old.location IS NOT new.location"
	" BEGIN"
	" INSERT INTO images_fts (images_fts, rowid, title, location)"
	"  VALUES ('delete', old.created_at, old.title, old.location);"
	" INSERT INTO images_fts (rowid, title, location)"
	"  VALUES (new.created_at, new.title, new.location);"
	" END;"
	"CREATE TRIGGER images_upd_tags AFTER UPDATE OF tags ON images"
	" WHEN old.tags IS NOT new.tags BEGIN"
	" DELETE FROM image_tags WHERE created_at = old.created_at AND tag IN"
	"  (SELECT value FROM json_each(old.tags) WHERE type = 'text');"
	" INSERT OR IGNORE INTO image_tags (tag, created_at, image_id)"
	"  SELECT value, new.created_at, new.image_id FROM json_each(new.tags)"
	"  WHERE type = 'text';"
	" END;",
	/* 1 -> 2 */
	"CREATE TABLE pending_unlink (s3_key TEXT PRIMARY KEY) WITHOUT ROWID;",
	/*
	 * 2 -> 3: no new object, a new meaning: state 2, a deleted row kept
	 * until its file is gone.  The version keeps an older imaged, which
	 * would keep such rows and their files for ever, from opening it.
	 */
	"SELECT 1;",
	/* 3 -> 4 */
	"CREATE TABLE pending_files (image_id TEXT PRIMARY KEY) WITHOUT ROWID;",
};
#define SCHEMA_VERSION	((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The statements a connection prepares once, when first used. */
enum stmt_id {
	S_GET,
	S_BEGIN_READ,
	S_BEGIN_WRITE,
	S_COMMIT,
	S_ROLLBACK,
	S_PING,
	S_ROW,
	/* each *_DESC is followed by its *_ASC: add the list_order */
	S_USER_CUR_DESC,
	S_USER_CUR_ASC,
	S_LIST_USER_DESC,
	S_LIST_USER_ASC,
	S_LIST_FTS_DESC,
	S_LIST_FTS_ASC,
	S_LIST_SCAN_DESC,
	S_LIST_SCAN_ASC,
	S_INSERT,
	S_SEQ,
	S_UPDATE,
	S_DELETE,
	S_PURGE,
	S_PENDING_ADD,
	S_PENDING_DEL,
	S_SYNC_NORMAL,
	S_SYNC_FULL,
	S_UNSYNCED_ADD,
	S_UNSYNCED_DEL,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_GET] = "SELECT " CATALOG_COLS " FROM images AS i"
	    " WHERE i.image_id = ?1 AND i.state = 0",
	[S_BEGIN_READ] = "BEGIN",
	[S_BEGIN_WRITE] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_PING] = "SELECT last_created FROM catalog_seq WHERE id = 1",
	[S_ROW] = CATALOG_SQL_ROW,
	[S_USER_CUR_DESC] = CATALOG_SQL_USER_CUR_DESC,
	[S_USER_CUR_ASC] = CATALOG_SQL_USER_CUR_ASC,
	[S_LIST_USER_DESC] = CATALOG_SQL_LIST_USER_DESC,
	[S_LIST_USER_ASC] = CATALOG_SQL_LIST_USER_ASC,
	[S_LIST_FTS_DESC] = CATALOG_SQL_LIST_FTS_DESC,
	[S_LIST_FTS_ASC] = CATALOG_SQL_LIST_FTS_ASC,
	[S_LIST_SCAN_DESC] = CATALOG_SQL_LIST_SCAN_DESC,
	[S_LIST_SCAN_ASC] = CATALOG_SQL_LIST_SCAN_ASC,
	[S_INSERT] = "INSERT INTO images (created_at, image_id, user_id,"
	    " filename, s3_key, content_type, file_size, checksum_sha256,"
	    " width, height, title, description, location, tags, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,"
	    " ?14, ?1)",
	[S_SEQ] = "UPDATE catalog_seq SET last_created = ?1 WHERE id = 1",
	/* Every field is named in SET; the triggers' WHEN clauses skip the
	 * index work for fields whose value did not change. */
	[S_UPDATE] = "UPDATE images SET"
	    " title = CASE WHEN ?1 THEN ?2 ELSE title END,"
	    " description = CASE WHEN ?3 THEN ?4 ELSE description END,"
	    " location = CASE WHEN ?5 THEN ?6 ELSE location END,"
	    " tags = CASE WHEN ?7 THEN ?8 ELSE tags END,"
	    " updated_at = max(?9, updated_at + 1)"
	    " WHERE image_id = ?10 AND state = 0",
	/* One table page: no index holds state (see the schema above). */
	[S_DELETE] = "UPDATE images SET state = 2"
	    " WHERE image_id = ?1 AND state = 0 RETURNING s3_key",
	/* The triggers take its tags and text out of their indexes. */
	[S_PURGE] = "DELETE FROM images WHERE image_id = ?1 AND state = 2",
	[S_PENDING_ADD] = "INSERT OR IGNORE INTO pending_unlink (s3_key)"
	    " VALUES (?1)",
	[S_PENDING_DEL] = "DELETE FROM pending_unlink WHERE s3_key = ?1",
	/* The writer's commits wait for the disk but pending_tidy's. */
	[S_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	[S_SYNC_FULL] = "PRAGMA synchronous = FULL",
	[S_UNSYNCED_ADD] = "INSERT INTO pending_files (image_id) VALUES (?1)",
	[S_UNSYNCED_DEL] = "DELETE FROM pending_files WHERE image_id = ?1",
};

/* A key whose file is gone, to drop from pending_unlink with its row. */
struct unlinked {
	struct unlinked	*next;
	char		 image_id[IMAGE_ID_SIZE];	/* "": none known */
	char		 key[];
};

struct conn {
	sqlite3		*db;
	sqlite3_stmt	*st[S_COUNT];
	/* one tag stream per tag of a listing, by order */
	sqlite3_stmt	*tagcur[2][LIST_TAGS_MAX];
};

/* One caller's write waiting in the group-commit queue. */
enum write_op {
	W_INSERT,
	W_DELETE
};

struct write_req {
	enum write_op			 op;
	/* W_INSERT */
	const struct image_record	*rec;
	const struct image_meta		*meta;
	int64_t				 created_at;
	/* W_DELETE */
	const char			*image_id;
	char				*key;
	size_t				 keylen;

	/* W_INSERT: the file is not yet durable (pending_files) */
	bool				 unsynced;

	enum img_err			 err;
	bool				 done;
	struct write_req		*next;
};

/* A row whose file is durable, to drop from pending_files. */
struct synced {
	struct synced	*next;
	char		 image_id[IMAGE_ID_SIZE];
};

struct catalog {
	char			*path;

	/* writer, last_created, unlinked */
	pthread_mutex_t		 wlock;
	struct conn		*writer;
	int64_t			 last_created;
	struct clock		*clock;		/* NULL: the system's */
	/* keys to drop from pending_unlink, nunlinked of them */
	struct unlinked		*unlinked;
	unsigned		 nunlinked;
	/* ids to drop from pending_files, with the next write */
	pthread_mutex_t		 slock;
	struct synced		*synced;

	pthread_mutex_t		 qlock;		/* the insert queue */
	pthread_cond_t		 qcond;
	struct write_req	*qhead;
	struct write_req	**qtail;
	bool			 committing;	/* a leader is at work */

	pthread_mutex_t		 plock;		/* the reader pool */
	pthread_cond_t		 pcond;
	struct conn		**idle;		/* nmax slots */
	unsigned		 nidle, nopen, nmax;

	/* see anchor_open() */
	sqlite3_filename	 anchor_name;
	sqlite3_file		*anchor;
	const volatile uint32_t	*walidx;	/* NULL: no version */
	struct reccache		*getcache;	/* records by id */
	struct reccache		*listcache;	/* pages by query */
};

static enum img_err	 scan_sql(struct catalog *, const char *,
			    catalog_record_cb, void *);
static void		 unlinked_forget(struct catalog *);
static void		 pending_tidy(struct catalog *);
static enum img_err	 writer_step1(struct conn *, enum stmt_id,
			    const char *);
static struct synced	*synced_flush(struct catalog *, enum img_err *);
static void		 synced_done(struct catalog *, struct synced *, bool);

static int64_t
now_usec(struct catalog *cat)
{
	struct timespec	 ts;

	if (cat->clock != NULL)
		return clock_usec(cat->clock);
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Map a SQLite result to our error, logging the cause. */
static enum img_err
sql_err(sqlite3 *db, int rc, const char *what)
{
	if ((rc & 0xff) == SQLITE_INTERRUPT)
		/* a listing's budget ran out: no fault */
		return IMG_ESLOW;
	log_warnx("catalog: %s: %s", what,
	    db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
	case SQLITE_READONLY:
	case SQLITE_PROTOCOL:
		return IMG_EUNAVAIL;
	case SQLITE_FULL:
		return IMG_ENOSPACE;
	case SQLITE_NOMEM:
		return IMG_ENOMEM;
	default:
		return IMG_EINTERNAL;
	}
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	/* The caller's strings outlive every step of the statement. */
	if (s == NULL)
		return sqlite3_bind_null(st, i);
	return sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/*
 * Bind a record's columns as the INSERT statements number them: ?1 its
 * created_at (at), ?2 to ?14 the record and its metadata.  SQLite's code.
 */
static int
bind_record(sqlite3_stmt *st, const struct image_record *rec,
    const struct image_meta *m, int64_t at)
{
	int	 rc;

	if ((rc = sqlite3_bind_int64(st, 1, at)) != SQLITE_OK ||
	    (rc = bind_text(st, 2, rec->image_id)) != SQLITE_OK ||
	    (rc = bind_text(st, 3, rec->user_id)) != SQLITE_OK ||
	    (rc = bind_text(st, 4, rec->filename)) != SQLITE_OK ||
	    (rc = bind_text(st, 5, rec->s3_key)) != SQLITE_OK ||
	    (rc = bind_text(st, 6, rec->content_type)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 7, rec->file_size)) != SQLITE_OK ||
	    (rc = bind_text(st, 8, rec->checksum_sha256)) != SQLITE_OK ||
	    (rc = rec->width > 0 ? sqlite3_bind_int64(st, 9, rec->width) :
	    sqlite3_bind_null(st, 9)) != SQLITE_OK ||
	    (rc = rec->height > 0 ? sqlite3_bind_int64(st, 10, rec->height) :
	    sqlite3_bind_null(st, 10)) != SQLITE_OK ||
	    (rc = bind_text(st, 11, m ? m->title : NULL)) != SQLITE_OK ||
	    (rc = bind_text(st, 12, m ? m->description : NULL)) != SQLITE_OK ||
	    (rc = bind_text(st, 13, m ? m->location : NULL)) != SQLITE_OK)
		return rc;
	return bind_text(st, 14, m && m->tags_json ? m->tags_json : "[]");
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Forget a statement's run and its bindings (which may point at memory
 * of a caller that is about to return). */
static void
stmt_done(sqlite3_stmt *st)
{
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
}

/* The record of a row of CATALOG_COLS, with strings borrowed from st. */
static void
row_record(sqlite3_stmt *st, struct image_record *r)
{
	r->image_id = col_text(st, 0);
	r->user_id = col_text(st, 1);
	r->filename = col_text(st, 2);
	r->s3_key = col_text(st, 3);
	r->content_type = col_text(st, 4);
	r->file_size = sqlite3_column_int64(st, 5);
	r->checksum_sha256 = col_text(st, 6);
	r->width = (uint32_t)sqlite3_column_int64(st, 7);	/* NULL: 0 */
	r->height = (uint32_t)sqlite3_column_int64(st, 8);
	r->title = col_text(st, 9);
	r->description = col_text(st, 10);
	r->location = col_text(st, 11);
	r->tags_json = col_text(st, 12);
	if (r->tags_json == NULL)
		r->tags_json = "[]";
	r->created_at = sqlite3_column_int64(st, 13);
	r->updated_at = sqlite3_column_int64(st, 14);
}

/* --- connections ---------------------------------------------------------- */

static void
conn_close(struct conn *c)
{
	size_t	 i, o;

	if (c == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(c->st[i]);
	for (o = 0; o < 2; o++)
		for (i = 0; i < LIST_TAGS_MAX; i++)
			sqlite3_finalize(c->tagcur[o][i]);
	if (sqlite3_close(c->db) != SQLITE_OK)
		log_warnx("catalog: close: %s", sqlite3_errmsg(c->db));
	free(c);
}

/*
 * With -v, each statement slower than SLOW_SQL_MS is a debug line: its
 * time and its SQL, white space folded (the SQL, never the bound values).
 */
static int
trace_slow(unsigned type, void *arg, void *stmt, void *nsp)
{
	const char	*sql;
	char		 text[512];
	size_t		 n = 0;
	int64_t		 ns = *(const int64_t *)nsp;

	(void)arg;
	if (type != SQLITE_TRACE_PROFILE || ns < SLOW_SQL_MS * 1000000LL)
		return 0;
	for (sql = sqlite3_sql(stmt); sql != NULL && *sql != '\0' &&
	    n < sizeof(text) - 1; sql++)
		if (!isspace((unsigned char)*sql))
			text[n++] = *sql;
		else if (n > 0 && text[n - 1] != ' ')
			text[n++] = ' ';
	text[n] = '\0';
	log_debug("catalog: slow statement, %.1f ms: %s",
	    (double)ns / 1e6, text);
	return 0;
}

/*
 * SQLite's memory statistics take a process-wide mutex on every
 * allocation, and imaged never reads them: off, before SQLite starts
 * (once per process; too late, it is a no-op).
 */
static void
sqlite_setup(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static enum img_err
conn_open(const char *path, bool writer, struct conn **cp)
{
	static pthread_once_t	 once = PTHREAD_ONCE_INIT;
	struct conn		*c;
	int			 rc, flags;
	enum img_err		 e = IMG_OK;

	*cp = NULL;
	pthread_once(&once, sqlite_setup);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return IMG_ENOMEM;
	/* Each connection is used by one thread at a time (wlock, pool). */
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	if (writer)
		flags |= SQLITE_OPEN_CREATE;
	if ((rc = sqlite3_open_v2(path, &c->db, flags, NULL)) != SQLITE_OK) {
		log_warnx("catalog: open %s: %s", path, c->db != NULL ?
		    sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		e = IMG_EUNAVAIL;
		goto done;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, BUSY_MS);
	if (log_verbose())
		sqlite3_trace_v2(c->db, SQLITE_TRACE_PROFILE, trace_slow, NULL);
	rc = sqlite3_exec(c->db, writer ? WRITER_PRAGMAS : READER_PRAGMAS,
	    NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		e = sql_err(c->db, rc, "pragmas");
		if (e == IMG_EINTERNAL)
			e = IMG_EUNAVAIL;
		goto done;
	}
	*cp = c;
	c = NULL;
done:
	conn_close(c);
	return e;
}

/* The connection's statement id, prepared on first use. */
static enum img_err
conn_stmt(struct conn *c, enum stmt_id id, sqlite3_stmt **stp)
{
	int	 rc;

	if (c->st[id] == NULL) {
		rc = sqlite3_prepare_v3(c->db, stmt_sql[id], -1,
		    SQLITE_PREPARE_PERSISTENT, &c->st[id], NULL);
		if (rc != SQLITE_OK)
			return sql_err(c->db, rc, "prepare");
	}
	*stp = c->st[id];
	return IMG_OK;
}

static enum img_err
conn_tagcur(struct conn *c, enum list_order o, size_t i, sqlite3_stmt **stp)
{
	int	 rc;

	if (c->tagcur[o][i] == NULL) {
		rc = sqlite3_prepare_v3(c->db, o == LIST_DESC ?
		    CATALOG_SQL_TAG_CUR_DESC : CATALOG_SQL_TAG_CUR_ASC, -1,
		    SQLITE_PREPARE_PERSISTENT, &c->tagcur[o][i], NULL);
		if (rc != SQLITE_OK)
			return sql_err(c->db, rc, "prepare");
	}
	*stp = c->tagcur[o][i];
	return IMG_OK;
}

/* Run a statement that takes no parameters and returns no rows. */
static enum img_err
conn_run(struct conn *c, enum stmt_id id, const char *what)
{
	sqlite3_stmt	*st = NULL;
	enum img_err	 e;
	int		 rc;

	if ((e = conn_stmt(c, id, &st)) != IMG_OK)
		return e;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (rc != SQLITE_DONE)
		e = sql_err(c->db, rc, what);
	sqlite3_reset(st);
	return e;
}

/* End the connection's transaction, if one is open, undoing it. */
static void
conn_rollback(struct conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		(void)conn_run(c, S_ROLLBACK, "rollback");
}

/* Commit, or undo everything if the commit fails. */
static enum img_err
conn_commit(struct conn *c)
{
	enum img_err	 e;

	if ((e = conn_run(c, S_COMMIT, "commit")) != IMG_OK)
		conn_rollback(c);
	return e;
}

static enum img_err
reader_get(struct catalog *cat, struct conn **cp)
{
	struct conn	*c = NULL;
	enum img_err	 e = IMG_OK;

	pthread_mutex_lock(&cat->plock);
	while (cat->nidle == 0 && cat->nopen == cat->nmax)
		pthread_cond_wait(&cat->pcond, &cat->plock);
	if (cat->nidle > 0)
		c = cat->idle[--cat->nidle];
	else
		cat->nopen++;	/* a slot reserved: open outside the lock */
	pthread_mutex_unlock(&cat->plock);
	if (c == NULL && (e = conn_open(cat->path, false, &c)) != IMG_OK) {
		pthread_mutex_lock(&cat->plock);
		cat->nopen--;
		pthread_cond_signal(&cat->pcond);
		pthread_mutex_unlock(&cat->plock);
	}
	*cp = c;
	return e;
}

static void
reader_put(struct catalog *cat, struct conn *c)
{
	pthread_mutex_lock(&cat->plock);
	cat->idle[cat->nidle++] = c;
	pthread_cond_signal(&cat->pcond);
	pthread_mutex_unlock(&cat->plock);
}

/* --- opening -------------------------------------------------------------- */

static enum img_err
query_int(sqlite3 *db, const char *sql, int64_t *v)
{
	sqlite3_stmt	*st = NULL;
	enum img_err	 e = IMG_OK;
	int		 rc;

	*v = 0;
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK) {
		e = sql_err(db, rc, sql);
		goto done;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*v = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		e = sql_err(db, rc, sql);
done:
	sqlite3_finalize(st);
	return e;
}

/*
 * Whether the file is ours at a version we know, and its version.  A file
 * at version 0 is ours only if it is empty: we do not adopt some other
 * program's database.
 */
static enum img_err
schema_check(sqlite3 *db, int64_t *version)
{
	int64_t		 app, nobj;
	enum img_err	 e;

	if ((e = query_int(db, "PRAGMA application_id", &app)) != IMG_OK ||
	    (e = query_int(db, "PRAGMA user_version", version)) != IMG_OK ||
	    (e = query_int(db, "SELECT count(*) FROM sqlite_schema",
	    &nobj)) != IMG_OK)
		return e == IMG_EINTERNAL ? IMG_EUNAVAIL : e;
	if (*version > SCHEMA_VERSION) {
		log_warnx("catalog: schema version %lld is newer than %d",
		    (long long)*version, SCHEMA_VERSION);
		return IMG_EUNAVAIL;
	}
	if ((app != 0 && app != CATALOG_APP_ID) ||
	    (*version == 0 && (app != 0 || nobj != 0)) ||
	    (*version > 0 && app != CATALOG_APP_ID)) {
		log_warnx("catalog: not an imaged catalog");
		return IMG_EUNAVAIL;
	}
	return IMG_OK;
}

/*
 * Bring the schema to SCHEMA_VERSION: the steps from the file's version on
 * and the new user_version, in one transaction (a failure leaves the file
 * as it was).
 */
static enum img_err
schema_migrate(struct conn *w)
{
	char		 sql[64];
	int64_t		 v;
	int		 i, rc;
	enum img_err	 e;

	if ((e = conn_run(w, S_BEGIN_WRITE, "begin")) != IMG_OK)
		return e;
	/* Checked again inside the transaction: another process may have
	 * upgraded the file since. */
	if ((e = schema_check(w->db, &v)) != IMG_OK)
		goto done;
	for (i = (int)v; i < SCHEMA_VERSION; i++) {
		rc = sqlite3_exec(w->db, migrations[i], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			e = sql_err(w->db, rc, "schema upgrade");
			goto done;
		}
		log_info("catalog: schema upgraded to version %d", i + 1);
	}
	if (v < SCHEMA_VERSION) {
		/* A pragma takes no parameter; the number is our constant. */
		(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
		    SCHEMA_VERSION);
		if ((rc = sqlite3_exec(w->db, sql, NULL, NULL, NULL)) !=
		    SQLITE_OK) {
			e = sql_err(w->db, rc, "schema version");
			goto done;
		}
	}
	e = conn_commit(w);
done:
	if (e != IMG_OK)
		conn_rollback(w);
	return e;
}

static int
wal_cb(void *arg, int ncol, char **vals, char **names)
{
	(void)names;
	*(bool *)arg = ncol == 1 && vals[0] != NULL &&
	    strcmp(vals[0], "wal") == 0;
	return 0;
}

static enum img_err
writer_open(struct catalog *cat)
{
	int64_t		 v;
	bool		 wal = false;
	int		 rc;
	enum img_err	 e;

	if ((e = conn_open(cat->path, true, &cat->writer)) != IMG_OK)
		return e;
	/* Before anything is written, so no foreign file is touched. */
	if ((e = schema_check(cat->writer->db, &v)) != IMG_OK)
		return e;
	rc = sqlite3_exec(cat->writer->db, "PRAGMA journal_mode = WAL",
	    wal_cb, &wal, NULL);
	if (rc != SQLITE_OK || !wal) {
		if (rc != SQLITE_OK)
			(void)sql_err(cat->writer->db, rc, "journal_mode");
		log_warnx("catalog: %s: cannot use WAL", cat->path);
		return IMG_EUNAVAIL;
	}
	if ((e = schema_migrate(cat->writer)) != IMG_OK)
		return e;
	return query_int(cat->writer->db,
	    "SELECT max(coalesce((SELECT max(created_at) FROM images), 0),"
	    " (SELECT last_created FROM catalog_seq WHERE id = 1))",
	    &cat->last_created);
}

/*
 * The catalog's own handle on the database file, opened through SQLite's
 * VFS (so that SQLite counts its locks and shares its mappings with those
 * of the connections), for two jobs:
 *
 * A shared lock, held while the catalog is open.  Every read transaction
 * takes a shared lock on the file and drops it at its end; the unix VFS
 * counts a process's locks on a file and asks the kernel only for the
 * first and after the last, under a mutex every reader contends for.
 * Held here, the count never falls to zero, and a GET makes no fcntl(2)
 * call for it.  In WAL mode a shared lock on the file stops no reader,
 * writer or checkpoint (those lock bytes of the -shm file); it stops only
 * an exclusive lock: another process's last close then leaves the WAL to
 * the next, and journal_mode cannot leave WAL while this process runs.
 * Released first at close, so that this process's last connection still
 * checkpoints the WAL into the file.
 *
 * A view of the WAL index (the -shm file's first region), whose header
 * tells the catalog's version: see catalog_version().
 */
#define WALIDX_REGION	32768	/* the region size SQLite maps */
#define WALIDX_HDR	12	/* words in one copy of the header */
_Static_assert(WALIDX_HDR * 4 == RECCACHE_VERSION_SIZE,
    "a version is one copy of the header");

static void
anchor_open(struct catalog *cat)
{
	sqlite3_vfs	*vfs = sqlite3_vfs_find(NULL);
	sqlite3_file	*f;
	volatile void	*map = NULL;
	int		 flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_MAIN_DB;

	if (vfs == NULL || (f = calloc(1, (size_t)vfs->szOsFile)) == NULL)
		return;
	/* A VFS reads URI parameters past a name's NUL: a name made so. */
	cat->anchor_name = sqlite3_create_filename(cat->path, "", "", 0, NULL);
	if (cat->anchor_name == NULL ||
	    vfs->xOpen(vfs, cat->anchor_name, f, flags, &flags) != SQLITE_OK) {
		if (f->pMethods != NULL)
			f->pMethods->xClose(f);
		free(f);
		return;
	}
	/* Without it reads lock as they did: slower, as correct. */
	if (f->pMethods->xLock(f, SQLITE_LOCK_SHARED) != SQLITE_OK) {
		f->pMethods->xClose(f);
		free(f);
		return;
	}
	cat->anchor = f;
	/* Mapped by the connections already: this only shares it. */
	if (f->pMethods->iVersion >= 2 &&
	    f->pMethods->xShmMap(f, 0, WALIDX_REGION, 0, &map) == SQLITE_OK &&
	    map != NULL)
		cat->walidx = map;
	if (cat->walidx == NULL)
		return;
	cat->getcache = reccache_new(GETCACHE_SLOTS);
	cat->listcache = reccache_new(LISTCACHE_SLOTS);
}

static void
anchor_close(struct catalog *cat)
{
	sqlite3_file	*f = cat->anchor;

	reccache_free(cat->getcache);
	reccache_free(cat->listcache);
	cat->getcache = cat->listcache = NULL;
	if (f != NULL) {
		if (cat->walidx != NULL)
			f->pMethods->xShmUnmap(f, 0);
		cat->walidx = NULL;
		f->pMethods->xUnlock(f, SQLITE_LOCK_NONE);
		f->pMethods->xClose(f);
		free(f);
		cat->anchor = NULL;
	}
	sqlite3_free_filename(cat->anchor_name);
	cat->anchor_name = NULL;
}

/*
 * The catalog's version: the WAL index's header, which every commit, in
 * any process, rewrites before the commit returns (the format is SQLite's
 * "WAL-index header", shared by every version that opens the file).  It
 * holds the number of frames in the WAL and the checksum of the last, and
 * a WAL begun afresh has new salts, so two equal headers read at two times
 * mean that nothing was committed in between.  A commit writes the second
 * copy, then the first; reading them in the other order around a barrier,
 * as SQLite's readers do, and finding them equal means a whole header.
 * false: no version (a commit is writing it; no index): do not cache.
 */
static bool
catalog_version(struct catalog *cat, unsigned char *v)
{
	uint32_t	 first[WALIDX_HDR], second[WALIDX_HDR];
	size_t		 i;

	if (cat->getcache == NULL || cat->listcache == NULL)
		return false;
	for (i = 0; i < WALIDX_HDR; i++)
		first[i] = cat->walidx[i];
	cat->anchor->pMethods->xShmBarrier(cat->anchor);
	for (i = 0; i < WALIDX_HDR; i++)
		second[i] = cat->walidx[WALIDX_HDR + i];
	memcpy(v, first, sizeof(first));
	/* Byte 12 is isInit: 0 until the index is built. */
	return memcmp(first, second, sizeof(first)) == 0 && v[12] != 0;
}

enum img_err
catalog_open(const char *path, unsigned nreaders, struct catalog **catp)
{
	struct catalog	*cat;
	struct conn	*c;
	enum img_err	 e = IMG_OK;

	*catp = NULL;
	if ((cat = calloc(1, sizeof(*cat))) == NULL)
		return IMG_ENOMEM;
	/* With default attributes these cannot fail on Linux. */
	pthread_mutex_init(&cat->wlock, NULL);
	pthread_mutex_init(&cat->qlock, NULL);
	pthread_mutex_init(&cat->slock, NULL);
	pthread_mutex_init(&cat->plock, NULL);
	pthread_cond_init(&cat->qcond, NULL);
	pthread_cond_init(&cat->pcond, NULL);
	cat->qtail = &cat->qhead;
	cat->nmax = nreaders > 0 ? nreaders : 1;
	if ((cat->path = strdup(path)) == NULL ||
	    (cat->idle = calloc(cat->nmax, sizeof(*cat->idle))) == NULL) {
		e = IMG_ENOMEM;
		goto done;
	}
	if ((e = writer_open(cat)) != IMG_OK)
		goto done;
	/* One reader now, so that a file readers cannot use fails here. */
	if ((e = reader_get(cat, &c)) != IMG_OK)
		goto done;
	reader_put(cat, c);
	anchor_open(cat);
	*catp = cat;
	cat = NULL;
done:
	catalog_close(cat);
	return e;
}

void
catalog_close(struct catalog *cat)
{
	unsigned	 i;

	if (cat == NULL)
		return;
	anchor_close(cat);
	/* Removals and marks not written yet: now. */
	pending_tidy(cat);
	unlinked_forget(cat);
	synced_done(cat, cat->synced, true);
	cat->synced = NULL;
	/* No call is running, so every reader is idle.  The writer goes
	 * last: the last connection checkpoints the WAL into the file. */
	for (i = 0; i < cat->nidle; i++)
		conn_close(cat->idle[i]);
	conn_close(cat->writer);
	pthread_cond_destroy(&cat->pcond);
	pthread_cond_destroy(&cat->qcond);
	pthread_mutex_destroy(&cat->plock);
	pthread_mutex_destroy(&cat->qlock);
	pthread_mutex_destroy(&cat->slock);
	pthread_mutex_destroy(&cat->wlock);
	free(cat->idle);
	free(cat->path);
	free(cat);
}

void
catalog_set_clock(struct catalog *cat, struct clock *clock)
{
	cat->clock = clock;
}

enum img_err
catalog_clear(struct catalog *cat)
{
	struct conn	*w = cat->writer;
	struct synced	*synced;
	enum img_err	 e = IMG_OK;
	int		 rc;

	pthread_mutex_lock(&cat->wlock);
	/* The triggers empty the tag index and the text index row by row. */
	/*
	 * Pending removals go too: the files are about to be, and a key
	 * kept here could name a new upload's file once seeded ids repeat.
	 */
	rc = sqlite3_exec(w->db, "BEGIN IMMEDIATE; DELETE FROM images;"
	    " DELETE FROM image_tags; DELETE FROM pending_unlink;"
	    " DELETE FROM pending_files;"
	    " UPDATE catalog_seq SET last_created = 0 WHERE id = 1; COMMIT",
	    NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		e = sql_err(w->db, rc, "clear");
		conn_rollback(w);
	} else {
		cat->last_created = 0;
		unlinked_forget(cat);
		pthread_mutex_lock(&cat->slock);
		synced = cat->synced;
		cat->synced = NULL;
		pthread_mutex_unlock(&cat->slock);
		synced_done(cat, synced, true);
	}
	pthread_mutex_unlock(&cat->wlock);
	return e;
}

int64_t
catalog_last_created(struct catalog *cat)
{
	int64_t	 t;

	pthread_mutex_lock(&cat->wlock);
	t = cat->last_created;
	pthread_mutex_unlock(&cat->wlock);
	return t;
}

enum img_err
catalog_ping(struct catalog *cat)
{
	struct conn	*c;
	sqlite3_stmt	*st = NULL;
	enum img_err	 e;
	int		 rc;

	if (reader_get(cat, &c) != IMG_OK)
		return IMG_EUNAVAIL;
	if ((e = conn_stmt(c, S_PING, &st)) == IMG_OK) {
		if ((rc = sqlite3_step(st)) != SQLITE_ROW)
			e = sql_err(c->db, rc, "ping");
		sqlite3_reset(st);
	}
	reader_put(cat, c);
	return e == IMG_OK ? IMG_OK : IMG_EUNAVAIL;
}

/* --- writing -------------------------------------------------------------- */

static enum img_err
insert_row(struct conn *w, const struct write_req *r, int64_t at)
{
	const struct image_record	*rec = r->rec;
	const struct image_meta		*m = r->meta;
	sqlite3_stmt			*st = NULL;
	enum img_err			 e;
	int				 rc;

	if ((e = conn_stmt(w, S_INSERT, &st)) != IMG_OK)
		return e;
	if ((rc = bind_record(st, rec, m, at)) != SQLITE_OK) {
		e = sql_err(w->db, rc, "insert");
		goto done;
	}
	/*
	 * One statement per row: its tags and text index are written by
	 * triggers inside it.  A failing statement (a duplicate image_id,
	 * malformed tags) is undone by SQLite's statement rollback and
	 * leaves the transaction, and the rows already in it, standing; a
	 * savepoint per row would add two statements and change nothing.
	 */
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		e = sql_err(w->db, rc, "insert");
done:
	stmt_done(st);
	return e;
}

/*
 * Delete the row of r->image_id, copying its key out, inside the batch's
 * transaction.  A key too long for the caller's buffer is IMG_EINTERNAL
 * with *fatal set: the row is already gone from the transaction, which
 * must then not commit (a row never goes without its caller learning
 * which file to remove).
 */
static enum img_err
delete_row(struct conn *w, struct write_req *r, bool *fatal)
{
	sqlite3_stmt	*st = NULL;
	const char	*k;
	size_t		 n;
	bool		 found = false;
	enum img_err	 e;
	int		 rc;

	if ((e = conn_stmt(w, S_DELETE, &st)) != IMG_OK)
		return e;
	if ((rc = bind_text(st, 1, r->image_id)) != SQLITE_OK) {
		e = sql_err(w->db, rc, "delete");
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		found = true;
		k = col_text(st, 0);
		n = k != NULL ? strlen(k) : 0;
		if (r->key == NULL || n >= r->keylen) {
			log_warnx("catalog: delete: key buffer too small");
			e = IMG_EINTERNAL;
			*fatal = true;
		} else {
			memcpy(r->key, k, n);
			r->key[n] = '\0';
		}
	}
	if (rc != SQLITE_DONE)
		e = sql_err(w->db, rc, "delete");
	else if (e == IMG_OK && !found)
		e = IMG_ENOTFOUND;
	if (e != IMG_OK)
		goto done;
	stmt_done(st);
	/*
	 * The file's removal is owed, in the same transaction as the row:
	 * failing that, the transaction must not commit.
	 */
	if ((e = conn_stmt(w, S_PENDING_ADD, &st)) != IMG_OK ||
	    (rc = bind_text(st, 1, r->key)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE) {
		if (e == IMG_OK)
			e = sql_err(w->db, rc, "delete");
		*fatal = true;
	}
done:
	stmt_done(st);
	return e;
}

/*
 * Write a batch of queued writes in one transaction; each request gets
 * its own result.  Called by the leader with wlock held.
 */
static void
write_batch(struct catalog *cat, struct write_req *batch)
{
	struct conn		*w = cat->writer;
	struct write_req	*r;
	struct synced		*synced = NULL;
	sqlite3_stmt		*st = NULL;
	int64_t			 last = cat->last_created, at, now;
	size_t			 nok = 0, ninserted = 0;
	bool			 fatal = false;
	enum img_err		 e;
	int			 rc;

	if ((e = conn_run(w, S_BEGIN_WRITE, "begin")) != IMG_OK)
		goto done;
	now = now_usec(cat);
	for (r = batch; r != NULL; r = r->next) {
		if (r->op == W_DELETE) {
			if ((r->err = delete_row(w, r, &fatal)) == IMG_OK)
				nok++;
		} else {
			at = now > last ? now : last + 1;
			/* A row on trial must not commit unmarked. */
			if ((r->err = insert_row(w, r, at)) == IMG_OK &&
			    r->unsynced && (r->err = writer_step1(w,
			    S_UNSYNCED_ADD, r->rec->image_id)) != IMG_OK)
				fatal = true;
			if (r->err == IMG_OK) {
				r->created_at = at;
				last = at;
				nok++;
				ninserted++;
			}
		}
		if (fatal || (r->err != IMG_OK &&
		    sqlite3_get_autocommit(w->db))) {
			/* An I/O error or a full disk ended the whole
			 * transaction: the earlier rows are gone too. */
			e = r->err;
			goto done;
		}
	}
	if (nok == 0)
		goto done;
	/* Files found durable since: their marks go with this commit. */
	if ((synced = synced_flush(cat, &e)) == NULL && e != IMG_OK)
		goto done;
	if (ninserted > 0) {
		if ((e = conn_stmt(w, S_SEQ, &st)) != IMG_OK)
			goto done;
		if ((rc = sqlite3_bind_int64(st, 1, last)) != SQLITE_OK ||
		    (rc = sqlite3_step(st)) != SQLITE_DONE)
			e = sql_err(w->db, rc, "insert");
		stmt_done(st);
		if (e != IMG_OK)
			goto done;
	}
	if ((e = conn_commit(w)) == IMG_OK && ninserted > 0)
		cat->last_created = last;
done:
	conn_rollback(w);	/* a no-op after a commit */
	synced_done(cat, synced, e == IMG_OK);
	if (e != IMG_OK)
		for (r = batch; r != NULL; r = r->next)
			if (r->err == IMG_OK || fatal)
				r->err = e;
	for (r = batch; r != NULL; r = r->next)
		if (r->op == W_DELETE && r->err != IMG_OK && r->key != NULL &&
		    r->keylen > 0)
			r->key[0] = '\0';
}

/*
 * Queue r, which lives on its caller's stack: the caller waits until r is
 * done, and a leader has taken r off the queue before marking it done.
 */
static void
queue_add(struct catalog *cat, struct write_req *r)
{
	*cat->qtail = r;
	cat->qtail = &r->next;
}

/* Queue req and return once it is committed or has failed. */
static enum img_err
write_wait(struct catalog *cat, struct write_req *req)
{
	struct write_req	*batch;

	pthread_mutex_lock(&cat->qlock);
	queue_add(cat, req);
	while (!req->done) {
		if (cat->committing) {
			pthread_cond_wait(&cat->qcond, &cat->qlock);
			continue;
		}
		/*
		 * Lead: take every row queued so far (ours among them).
		 * Rows queued while this batch commits wait for the next
		 * leader, so a batch grows with the load by itself.
		 */
		cat->committing = true;
		batch = cat->qhead;
		cat->qhead = NULL;
		cat->qtail = &cat->qhead;
		pthread_mutex_unlock(&cat->qlock);

		pthread_mutex_lock(&cat->wlock);
		write_batch(cat, batch);
		pthread_mutex_unlock(&cat->wlock);

		pthread_mutex_lock(&cat->qlock);
		for (; batch != NULL; batch = batch->next)
			batch->done = true;
		cat->committing = false;
		pthread_cond_broadcast(&cat->qcond);
	}
	pthread_mutex_unlock(&cat->qlock);
	return req->err;
}

static enum img_err
insert_wait(struct catalog *cat, const struct image_record *rec,
    const struct image_meta *meta, bool unsynced, int64_t *created_at)
{
	struct write_req	 req;

	memset(&req, 0, sizeof(req));
	req.op = W_INSERT;
	req.rec = rec;
	req.meta = meta;
	req.unsynced = unsynced;
	if (write_wait(cat, &req) == IMG_OK && created_at != NULL)
		*created_at = req.created_at;
	return req.err;
}

enum img_err
catalog_insert(struct catalog *cat, const struct image_record *rec,
    const struct image_meta *meta, int64_t *created_at)
{
	return insert_wait(cat, rec, meta, false, created_at);
}

enum img_err
catalog_insert_unsynced(struct catalog *cat, const struct image_record *rec,
    const struct image_meta *meta, int64_t *created_at)
{
	return insert_wait(cat, rec, meta, true, created_at);
}

/* Call cb with the row image_id reads on connection c. */
static enum img_err
get_on(struct conn *c, const char *image_id, catalog_record_cb cb, void *arg)
{
	struct image_record	 rec;
	sqlite3_stmt		*st = NULL;
	enum img_err		 e;
	int			 rc;

	if ((e = conn_stmt(c, S_GET, &st)) != IMG_OK)
		return e;
	if ((rc = bind_text(st, 1, image_id)) != SQLITE_OK)
		e = sql_err(c->db, rc, "get");
	else if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		row_record(st, &rec);
		e = cb != NULL ? cb(arg, &rec) : IMG_OK;
	} else if (rc == SQLITE_DONE)
		e = IMG_ENOTFOUND;
	else
		e = sql_err(c->db, rc, "get");
	stmt_done(st);
	return e;
}

static enum img_err
entry_add(void *arg, const struct image_record *r)
{
	return reccache_entry_add(arg, r) ? IMG_OK : IMG_ENOMEM;
}

void
catalog_cache_stats(struct catalog *cat, uint64_t *hits, uint64_t *fills)
{
	uint64_t	 h, f;

	*hits = *fills = 0;
	if (cat->getcache == NULL || cat->listcache == NULL)
		return;
	reccache_stats(cat->getcache, hits, fills);
	reccache_stats(cat->listcache, &h, &f);
	*hits += h;
	*fills += f;
}

/*
 * The entry of key in rc at the catalog's present version, referenced;
 * if there is none, a new one of up to max records for the caller to
 * fill, also in *fill.  NULL: the catalog has no version now (a commit is
 * writing it), so the caller reads without the cache.
 */
static struct reccache_entry *
cache_entry(struct catalog *cat, struct reccache *rc, const char *key,
    size_t max, struct reccache_entry **fill)
{
	struct reccache_entry	*found;
	unsigned char		 v[RECCACHE_VERSION_SIZE];

	*fill = NULL;
	if (!catalog_version(cat, v))
		return NULL;
	if ((found = reccache_find(rc, key, v)) == NULL)
		found = *fill = reccache_entry_new(key, v, max);
	return found;
}

static enum img_err
get_read(struct catalog *cat, const char *image_id, catalog_record_cb cb,
    void *arg)
{
	struct conn	*c;
	enum img_err	 e;

	if ((e = reader_get(cat, &c)) != IMG_OK)
		return e;
	e = get_on(c, image_id, cb, arg);
	reader_put(cat, c);
	return e;
}

/*
 * From the cache when the catalog is as it was when the record was read;
 * else read, kept, and served from what was kept.  cb runs with no read
 * transaction open either way.
 */
enum img_err
catalog_get(struct catalog *cat, const char *image_id, catalog_record_cb cb,
    void *arg)
{
	struct reccache_entry	*found, *fill;
	enum img_err		 e;

	found = cache_entry(cat, cat->getcache, image_id, 1, &fill);
	if (found == NULL)
		return get_read(cat, image_id, cb, arg);
	if (fill != NULL) {
		if ((e = get_read(cat, image_id, entry_add, fill)) != IMG_OK) {
			reccache_release(fill);
			return e;
		}
		reccache_store(cat->getcache, fill);
	}
	e = cb != NULL ? cb(arg, reccache_record(found, 0)) : IMG_OK;
	reccache_release(found);
	return e;
}

/*
 * cb runs after the commit, still under wlock, with the row read back on
 * the writer connection; an error it returns is returned, but the update
 * stands.
 */
enum img_err
catalog_update(struct catalog *cat, const char *image_id,
    const struct image_meta *meta, unsigned mask, catalog_record_cb cb,
    void *arg)
{
	static const struct image_meta	 none = { .tags_json = "[]" };
	struct conn			*w = cat->writer;
	sqlite3_stmt			*st = NULL;
	enum img_err			 e;
	int				 rc;

	if (meta == NULL)
		meta = &none;
	pthread_mutex_lock(&cat->wlock);
	if ((e = conn_run(w, S_BEGIN_WRITE, "begin")) != IMG_OK)
		goto done;
	if ((e = conn_stmt(w, S_UPDATE, &st)) != IMG_OK)
		goto done;
	if ((rc = sqlite3_bind_int(st, 1, (mask & META_TITLE) != 0)) !=
	    SQLITE_OK ||
	    (rc = bind_text(st, 2, meta->title)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 3, (mask & META_DESCRIPTION) != 0)) !=
	    SQLITE_OK ||
	    (rc = bind_text(st, 4, meta->description)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 5, (mask & META_LOCATION) != 0)) !=
	    SQLITE_OK ||
	    (rc = bind_text(st, 6, meta->location)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int(st, 7, (mask & META_TAGS) != 0)) !=
	    SQLITE_OK ||
	    (rc = bind_text(st, 8, meta->tags_json ? meta->tags_json :
	    "[]")) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, 9, now_usec(cat))) != SQLITE_OK ||
	    (rc = bind_text(st, 10, image_id)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE) {
		e = sql_err(w->db, rc, "update");
		goto done;
	}
	if (sqlite3_changes(w->db) == 0) {
		e = IMG_ENOTFOUND;
		goto done;
	}
	stmt_done(st);
	st = NULL;
	if ((e = conn_commit(w)) != IMG_OK)
		goto done;
	/* Read back after the commit, still under wlock: nothing else can
	 * have changed the row, and cb runs outside any transaction. */
	e = get_on(w, image_id, cb, arg);
done:
	stmt_done(st);
	conn_rollback(w);
	pthread_mutex_unlock(&cat->wlock);
	return e;
}

/*
 * Deleted rows go for good UNLINKED_BATCH at a time (and at close): their
 * table and index pages are written once per batch rather than once per
 * row, and a delete's own commit writes only its two pages.  Until then
 * they are out of every listing, and a crash leaves their keys pending,
 * as the delete made them.
 */
#define UNLINKED_BATCH	64

/* Run statement which of the writer with one text parameter, p. */
static enum img_err
writer_step1(struct conn *w, enum stmt_id which, const char *p)
{
	sqlite3_stmt	*st = NULL;
	enum img_err	 e;
	int		 rc;

	if ((e = conn_stmt(w, which, &st)) != IMG_OK)
		return e;
	if ((rc = bind_text(st, 1, p)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE)
		e = sql_err(w->db, rc, "pending marks");
	stmt_done(st);
	return e;
}

/*
 * Drop the keys whose files are gone from pending_unlink, and their
 * deleted rows, inside the writer's open transaction (wlock held).  The
 * list is freed only once the caller's commit went through
 * (unlinked_forget).
 */
static enum img_err
unlinked_flush(struct catalog *cat)
{
	struct conn	*w = cat->writer;
	struct unlinked	*u;
	enum img_err	 e = IMG_OK;

	for (u = cat->unlinked; u != NULL && e == IMG_OK; u = u->next)
		if ((u->image_id[0] == '\0' ||
		    (e = writer_step1(w, S_PURGE, u->image_id)) == IMG_OK))
			e = writer_step1(w, S_PENDING_DEL, u->key);
	return e;
}

/*
 * Commit the removals reported so far and the files found durable (wlock
 * held), without waiting for the disk: what a crash takes back is still
 * pending, and done again at the next start.  On failure they stay
 * listed for the next try.
 */
static void
pending_tidy(struct catalog *cat)
{
	struct conn	*w = cat->writer;
	struct synced	*synced = NULL;
	enum img_err	 e = IMG_EUNAVAIL;

	if (w == NULL ||
	    conn_run(w, S_SYNC_NORMAL, "pending removals") != IMG_OK)
		return;
	if (conn_run(w, S_BEGIN_WRITE, "begin") == IMG_OK &&
	    unlinked_flush(cat) == IMG_OK &&
	    ((synced = synced_flush(cat, &e)) != NULL || e == IMG_OK) &&
	    (e = conn_commit(w)) == IMG_OK)
		unlinked_forget(cat);
	conn_rollback(w);		/* a no-op after a commit */
	synced_done(cat, synced, e == IMG_OK);
	(void)conn_run(w, S_SYNC_FULL, "pending removals");
}

/*
 * Inside the writer's open transaction: drop the marks of the files found
 * durable.  Returns the list taken, for synced_done once the commit is
 * decided; NULL when there was none, or on error (*e set, list kept).
 */
static struct synced *
synced_flush(struct catalog *cat, enum img_err *e)
{
	struct synced	*list, *s;

	*e = IMG_OK;
	pthread_mutex_lock(&cat->slock);
	list = cat->synced;
	cat->synced = NULL;
	pthread_mutex_unlock(&cat->slock);
	for (s = list; s != NULL && *e == IMG_OK; s = s->next)
		*e = writer_step1(cat->writer, S_UNSYNCED_DEL, s->image_id);
	if (*e != IMG_OK) {
		synced_done(cat, list, false);
		return NULL;
	}
	return list;
}

/* Free list once its commit went through; else it waits for the next. */
static void
synced_done(struct catalog *cat, struct synced *list, bool committed)
{
	struct synced	*s;

	if (list == NULL)
		return;
	if (committed) {
		while ((s = list) != NULL) {
			list = s->next;
			free(s);
		}
		return;
	}
	for (s = list; s->next != NULL; s = s->next)
		continue;
	pthread_mutex_lock(&cat->slock);
	s->next = cat->synced;
	cat->synced = list;
	pthread_mutex_unlock(&cat->slock);
}

void
catalog_file_synced(struct catalog *cat, const char *image_id)
{
	struct synced	*s;

	/* Out of memory, the mark stays: the next start checks the file. */
	if ((s = malloc(sizeof(*s))) == NULL)
		return;
	(void)snprintf(s->image_id, sizeof(s->image_id), "%s", image_id);
	pthread_mutex_lock(&cat->slock);
	s->next = cat->synced;
	cat->synced = s;
	pthread_mutex_unlock(&cat->slock);
}

static void
unlinked_forget(struct catalog *cat)
{
	struct unlinked	*u;

	while ((u = cat->unlinked) != NULL) {
		cat->unlinked = u->next;
		free(u);
	}
	cat->nunlinked = 0;
}

void
catalog_unlinked(struct catalog *cat, const char *image_id,
    const char *s3_key)
{
	struct unlinked	*u;
	size_t		 n = strlen(s3_key);

	/* Out of memory, the key stays pending: the next start retries. */
	if ((u = malloc(sizeof(*u) + n + 1)) == NULL)
		return;
	(void)snprintf(u->image_id, sizeof(u->image_id), "%s",
	    image_id != NULL ? image_id : "");
	memcpy(u->key, s3_key, n + 1);
	pthread_mutex_lock(&cat->wlock);
	u->next = cat->unlinked;
	cat->unlinked = u;
	if (++cat->nunlinked >= UNLINKED_BATCH)
		pending_tidy(cat);
	pthread_mutex_unlock(&cat->wlock);
}

/*
 * Run sql on a reader and call each(st, arg) on every row; a non-IMG_OK
 * return stops.  One statement is one read transaction: a snapshot.
 */
static enum img_err
reader_rows(struct catalog *cat, const char *sql, const char *what,
    enum img_err (*each)(sqlite3_stmt *, void *), void *arg)
{
	struct conn	*c;
	sqlite3_stmt	*st = NULL;
	enum img_err	 e;
	int		 rc;

	if ((e = reader_get(cat, &c)) != IMG_OK)
		return e;
	if ((rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL)) != SQLITE_OK) {
		e = sql_err(c->db, rc, what);
		goto done;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((e = each(st, arg)) != IMG_OK)
			goto done;
	if (rc != SQLITE_DONE)
		e = sql_err(c->db, rc, what);
done:
	sqlite3_finalize(st);
	reader_put(cat, c);
	return e;
}

struct key_rows {
	catalog_key_cb	 cb;
	void		*arg;
};

static enum img_err
key_row(sqlite3_stmt *st, void *arg)
{
	struct key_rows	*k = arg;

	return k->cb(k->arg, col_text(st, 0));
}

enum img_err
catalog_pending_unlinks(struct catalog *cat, catalog_key_cb cb, void *arg)
{
	struct key_rows	 k = { cb, arg };

	return reader_rows(cat, "SELECT s3_key FROM pending_unlink",
	    "pending removals", key_row, &k);
}

/*
 * A key that does not fit in keylen is IMG_EINTERNAL and the row stays:
 * a row must never go without its caller learning which file to remove.
 * Concurrent deletes (and inserts) commit together, as inserts do.
 */
enum img_err
catalog_delete(struct catalog *cat, const char *image_id, char *key,
    size_t keylen)
{
	struct write_req	 req;

	if (key != NULL && keylen > 0)
		key[0] = '\0';
	memset(&req, 0, sizeof(req));
	req.op = W_DELETE;
	req.image_id = image_id;
	req.key = key;
	req.keylen = keylen;
	return write_wait(cat, &req);
}

/* --- listing -------------------------------------------------------------- */

struct list_ctx {
	const struct list_query	*q;
	catalog_record_cb	 cb;
	void			*arg;
	struct list_pos		*last;
	bool			*more;
	/* The cursor, copied: last may be the very struct q->after names. */
	struct list_pos		 after;
	bool			 has_after;
	bool			 desc;
	int64_t			 lo, hi;	/* bounds, cursor folded in */
	const char		*title;		/* NULL: no filter */
	const char		*location;
	unsigned		 nout;		/* records given to cb */
	bool			 budgeted;	/* q->budget_us > 0 */
	bool			 spent;		/* past the deadline */
	/* tag rows since the last look */
	unsigned		 ticks;
	struct timespec		 deadline;	/* CLOCK_THREAD_CPUTIME_ID */
};

/*
 * A listing's budget is CPU time of the calling thread, not time on the
 * wall: on a busy machine a short listing may wait for the CPU for
 * longer than the budget, and must not be sent away for that.  It is
 * checked every LIST_TICKS rows of a tag listing and, through SQLite's
 * progress handler, every LIST_PROGRESS_OPS virtual machine steps inside
 * a statement (a scan that rejects rows never comes back to us between
 * them).  Reading the thread's clock is a system call (~0.3 us), hence
 * not at every row.
 */
#define LIST_PROGRESS_OPS	2000
#define LIST_TICKS		32

static bool
list_spent(struct list_ctx *x)
{
	struct timespec	 now;

	if (!x->budgeted || x->spent)
		return x->spent;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
	x->spent = now.tv_sec > x->deadline.tv_sec ||
	    (now.tv_sec == x->deadline.tv_sec &&
	    now.tv_nsec >= x->deadline.tv_nsec);
	return x->spent;
}

/* SQLite's progress handler: non-zero interrupts the statement. */
static int
list_progress(void *arg)
{
	return list_spent(arg);
}

/* Whether a comes before b in the listing order. */
static bool
before(const struct list_ctx *x, int64_t a, int64_t b)
{
	return x->desc ? a > b : a < b;
}

/* The listing position of r. */
static void
pos_set(struct list_pos *pos, const struct image_record *r)
{
	size_t	 n;

	pos->created_at = r->created_at;
	n = r->image_id != NULL ? strlen(r->image_id) : 0;
	if (n > IMAGE_ID_LEN)
		n = IMAGE_ID_LEN;
	if (n > 0)
		memcpy(pos->image_id, r->image_id, n);
	pos->image_id[n] = '\0';
}

/*
 * A row that matched every filter: hand it out, or, past the page, note
 * that more follow.  *stop is set when the page is done.
 */
static enum img_err
list_emit(struct list_ctx *x, sqlite3_stmt *st, bool *stop)
{
	struct image_record	 rec;
	enum img_err		 e;

	if (x->nout == x->q->limit) {
		*x->more = true;
		*stop = true;
		return IMG_OK;
	}
	row_record(st, &rec);
	if ((e = x->cb(x->arg, &rec)) != IMG_OK) {
		*stop = true;
		return e;
	}
	x->nout++;
	pos_set(x->last, &rec);
	return IMG_OK;
}

/* Whether image_id comes after the cursor's, for a created_at tie. */
static bool
after_id(const struct list_ctx *x, const char *image_id)
{
	int	 cmp = strcmp(image_id, x->after.image_id);

	return x->desc ? cmp < 0 : cmp > 0;
}

/* Bind what the listing statements share (CATALOG_P_*). */
static int
list_bind(const struct list_ctx *x, sqlite3_stmt *st)
{
	int	 rc;

	if ((rc = sqlite3_bind_int64(st, CATALOG_P_LO, x->lo)) != SQLITE_OK ||
	    (rc = sqlite3_bind_int64(st, CATALOG_P_HI, x->hi)) != SQLITE_OK ||
	    (rc = bind_text(st, CATALOG_P_TITLE, x->title)) != SQLITE_OK ||
	    (rc = bind_text(st, CATALOG_P_LOCATION, x->location)) !=
	    SQLITE_OK)
		return rc;
	if (sqlite3_bind_parameter_count(st) < CATALOG_P_LIMIT)
		return SQLITE_OK;	/* the row statement stops here */
	if (x->has_after) {
		if ((rc = sqlite3_bind_int64(st, CATALOG_P_AFTER_AT,
		    x->after.created_at)) != SQLITE_OK ||
		    (rc = sqlite3_bind_text(st, CATALOG_P_AFTER_ID,
		    x->after.image_id, -1, SQLITE_STATIC)) != SQLITE_OK)
			return rc;
	} else if ((rc = sqlite3_bind_null(st, CATALOG_P_AFTER_AT)) !=
	    SQLITE_OK)
		return rc;
	/* One more than the page, to learn whether more follow. */
	return sqlite3_bind_int64(st, CATALOG_P_LIMIT,
	    (sqlite3_int64)x->q->limit + 1);
}

/* A listing that one statement serves: by user, by text, or by date. */
static enum img_err
list_sql(struct list_ctx *x, struct conn *c, enum stmt_id id,
    const char *match)
{
	sqlite3_stmt	*st = NULL;
	bool		 stop = false;
	enum img_err	 e;
	int		 rc;

	if ((e = conn_stmt(c, id, &st)) != IMG_OK)
		return e;
	if ((rc = list_bind(x, st)) != SQLITE_OK ||
	    (x->q->user_id != NULL &&
	    (rc = bind_text(st, CATALOG_P_USER, x->q->user_id)) != SQLITE_OK) ||
	    (match != NULL &&
	    (rc = bind_text(st, CATALOG_P_MATCH, match)) != SQLITE_OK)) {
		e = sql_err(c->db, rc, "list");
		goto done;
	}
	while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
		e = list_emit(x, st, &stop);
	if (!stop && rc != SQLITE_DONE)
		e = sql_err(c->db, rc, "list");
done:
	stmt_done(st);
	return e;
}

/*
 * The tag listings walk sorted streams of created_at: a leaf is one
 * index range (one tag's rows, or one user's), a member the union of
 * leaves (any of the tags), and the listing the intersection of members
 * (the user and the tags, or each of all the tags).  Seeking a leaf
 * restarts its statement at a new bound, so a join skips ahead in
 * O(log n) rather than stepping over rows the others lack: the work is
 * about the page size times the number of streams, plus the skips, never
 * every row of a tag.
 */
struct leaf {
	sqlite3_stmt	*st;
	int64_t		 at;		/* current value, unless eof */
	bool		 eof;
};

struct member {
	struct leaf	*leaf;
	size_t		 n;
	int64_t		 at;
	bool		 eof;
};

static int
leaf_step(struct leaf *l)
{
	int	 rc;

	if ((rc = sqlite3_step(l->st)) == SQLITE_ROW) {
		l->at = sqlite3_column_int64(l->st, 0);
		return SQLITE_OK;
	}
	l->eof = true;
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Move l to its first value at or after target.  Targets only move
 * forward, so an exhausted leaf stays exhausted. */
static int
leaf_seek(const struct list_ctx *x, struct leaf *l, int64_t target)
{
	int	 rc;

	if (l->eof || !before(x, l->at, target))
		return SQLITE_OK;
	/* The next row is often the one wanted, and a step is cheaper
	 * than a new search. */
	if ((rc = leaf_step(l)) != SQLITE_OK || l->eof ||
	    !before(x, l->at, target))
		return rc;
	sqlite3_reset(l->st);
	if ((rc = sqlite3_bind_int64(l->st, x->desc ? CATALOG_P_HI :
	    CATALOG_P_LO, target)) != SQLITE_OK)
		return rc;
	return leaf_step(l);
}

static void
member_settle(const struct list_ctx *x, struct member *m)
{
	size_t	 i;

	m->eof = true;
	for (i = 0; i < m->n; i++) {
		if (m->leaf[i].eof)
			continue;
		if (m->eof || before(x, m->leaf[i].at, m->at))
			m->at = m->leaf[i].at;
		m->eof = false;
	}
}

static int
member_next(const struct list_ctx *x, struct member *m)
{
	size_t	 i;
	int	 rc;

	for (i = 0; i < m->n; i++)
		if (!m->leaf[i].eof && m->leaf[i].at == m->at &&
		    (rc = leaf_step(&m->leaf[i])) != SQLITE_OK)
			return rc;
	member_settle(x, m);
	return SQLITE_OK;
}

static int
member_seek(const struct list_ctx *x, struct member *m, int64_t target)
{
	size_t	 i;
	int	 rc;

	if (m->eof || !before(x, m->at, target))
		return SQLITE_OK;
	for (i = 0; i < m->n; i++)
		if ((rc = leaf_seek(x, &m->leaf[i], target)) != SQLITE_OK)
			return rc;
	member_settle(x, m);
	return SQLITE_OK;
}

/*
 * Leapfrog: from where member 0 stands, the first value every member
 * holds.  Each round seeks every member to the candidate; one that lands
 * later makes its value the new candidate.  *found false: none is left.
 */
static int
join_find(const struct list_ctx *x, struct member *m, size_t n,
    bool *found, int64_t *at)
{
	int64_t	 target;
	size_t	 i;
	bool	 agree;
	int	 rc;

	*found = false;
	if (m[0].eof)
		return SQLITE_OK;
	target = m[0].at;
	do {
		agree = true;
		for (i = 0; i < n; i++) {
			if ((rc = member_seek(x, &m[i], target)) != SQLITE_OK)
				return rc;
			if (m[i].eof)
				return SQLITE_OK;
			if (m[i].at != target) {
				target = m[i].at;
				agree = false;
			}
		}
	} while (!agree);
	*found = true;
	*at = target;
	return SQLITE_OK;
}

static enum img_err
list_streams(struct list_ctx *x, struct conn *c)
{
	const struct list_query	*q = x->q;
	struct leaf		 leaf[LIST_TAGS_MAX + 1];
	struct member		 mem[LIST_TAGS_MAX + 1];
	sqlite3_stmt		*row = NULL;
	size_t			 nleaf = 0, nmem = 0, i;
	int64_t			 at;
	bool			 found, stop = false;
	enum img_err		 e;
	int			 rc = SQLITE_OK;

	memset(leaf, 0, sizeof(leaf));
	/* Every stream and row check reads one snapshot. */
	if ((e = conn_run(c, S_BEGIN_READ, "begin")) != IMG_OK)
		return e;
	if (q->user_id != NULL) {
		if ((e = conn_stmt(c, S_USER_CUR_DESC + q->order,
		    &leaf[0].st)) != IMG_OK)
			goto done;
		if ((rc = bind_text(leaf[0].st, 1, q->user_id)) != SQLITE_OK)
			goto done;
		mem[nmem++] = (struct member){ .leaf = &leaf[0], .n = 1 };
		nleaf++;
	}
	for (i = 0; i < q->ntags; i++) {
		if ((e = conn_tagcur(c, q->order, i, &leaf[nleaf].st)) !=
		    IMG_OK)
			goto done;
		if ((rc = bind_text(leaf[nleaf].st, 1, q->tags[i])) !=
		    SQLITE_OK)
			goto done;
		if (q->tags_all || i == 0)
			mem[nmem++] = (struct member){ .leaf = &leaf[nleaf] };
		mem[nmem - 1].n++;
		nleaf++;
	}
	for (i = 0; i < nleaf; i++)
		if ((rc = sqlite3_bind_int64(leaf[i].st, CATALOG_P_LO,
		    x->lo)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(leaf[i].st, CATALOG_P_HI,
		    x->hi)) != SQLITE_OK ||
		    (rc = leaf_step(&leaf[i])) != SQLITE_OK)
			goto done;
	for (i = 0; i < nmem; i++)
		member_settle(x, &mem[i]);

	if ((e = conn_stmt(c, S_ROW, &row)) != IMG_OK)
		goto done;
	if ((rc = list_bind(x, row)) != SQLITE_OK)
		goto done;
	while (!stop) {
		if (++x->ticks % LIST_TICKS == 0 && list_spent(x)) {
			e = IMG_ESLOW;
			break;
		}
		if ((rc = join_find(x, mem, nmem, &found, &at)) != SQLITE_OK ||
		    !found)
			break;
		sqlite3_reset(row);
		if ((rc = sqlite3_bind_int64(row, CATALOG_P_LO, at)) !=
		    SQLITE_OK)
			break;
		if ((rc = sqlite3_step(row)) == SQLITE_ROW) {
			/* The cursor's own created_at: compare the pair. */
			if (!x->has_after || at != x->after.created_at ||
			    after_id(x, col_text(row, 0)))
				e = list_emit(x, row, &stop);
		} else if (rc != SQLITE_DONE)
			break;
		rc = SQLITE_OK;
		if (!stop && (rc = member_next(x, &mem[0])) != SQLITE_OK)
			break;
	}
done:
	if (rc != SQLITE_OK && e == IMG_OK)
		e = sql_err(c->db, rc, "list");
	for (i = 0; i < nleaf; i++)
		stmt_done(leaf[i].st);
	stmt_done(row);
	if (e == IMG_OK)
		e = conn_commit(c);
	conn_rollback(c);
	return e;
}

/* The start of the character after the one at s (UTF-8). */
static const char *
utf8_next(const char *s)
{
	if (*s != '\0')
		s++;
	while (((unsigned char)*s & 0xc0) == 0x80)
		s++;
	return s;
}

/* Unicode characters in s (UTF-8): a trigram takes three. */
static size_t
utf8_chars(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s = utf8_next(s))
		n++;
	return n;
}

/* Add one trigram, [p, end), as an FTS5 string: quotes doubled, so no
 * input is ever FTS5 syntax. */
static enum img_err
fts_string(struct buf *b, const char *p, const char *end)
{
	enum img_err	 e;

	if ((e = buf_addc(b, '"')) != IMG_OK)
		return e;
	for (; p < end; p++)
		if ((*p == '"' && (e = buf_addc(b, '"')) != IMG_OK) ||
		    (e = buf_addc(b, *p)) != IMG_OK)
			return e;
	return buf_addc(b, '"');
}

/*
 * Add `col : ("abc" AND "def" AND ...)` for a substring s of 3 or more
 * characters: trigrams that together cover every character of s (every
 * third one, and the last).  A row holding s holds them all, so the
 * index finds a superset of the matches, which the exact check
 * (CATALOG_SQL_RESIDUAL) narrows.  An AND of trigrams, rather than a
 * phrase, lets the index keep no positions (detail=column).
 */
static enum img_err
fts_add(struct buf *b, const char *col, const char *s)
{
	const char	*p = s, *end;
	size_t		 left = utf8_chars(s), k;
	bool		 first = true;
	enum img_err	 e;

	if ((b->len > 0 && (e = buf_adds(b, " AND ")) != IMG_OK) ||
	    (e = buf_adds(b, col)) != IMG_OK ||
	    (e = buf_adds(b, " : (")) != IMG_OK)
		return e;
	for (;;) {
		for (end = p, k = 0; k < 3; k++)
			end = utf8_next(end);
		if ((!first && (e = buf_adds(b, " AND ")) != IMG_OK) ||
		    (e = fts_string(b, p, end)) != IMG_OK)
			return e;
		first = false;
		if (left == 3)
			break;
		/* Three on, or back to the last trigram if fewer remain. */
		k = left >= 6 ? 3 : left - 3;
		for (; k > 0; k--, left--)
			p = utf8_next(p);
	}
	return buf_addc(b, ')');
}

/*
 * How each listing is served (every plan reads only rows up to the page
 * and one more, plus the rows a filter rejects on the way):
 * - tags given: the sorted streams above, one per tag over image_tags
 *   (merged for any-of, intersected for all-of), intersected with the
 *   user's stream over images_user when user_id is given; each candidate
 *   is then read by rowid and checked for title, location and state.
 *   The join follows whichever stream is sparser, so user + tag costs
 *   about the smaller of the two, not the larger.
 * - user_id without tags: one range scan of images_user; title and
 *   location are checked on the user's rows (bounded by that user).
 * - title or location of 3+ characters, no user, no tags: the trigram
 *   index yields candidates in created_at order within the bounds.
 * - otherwise (no filter, dates, or substrings of 1-2 characters, which
 *   trigrams cannot find): the table in created_at order within the date
 *   bounds, checking instr(lower(col), lower(?)) on each row.  This is
 *   the one plan that may read far more rows than it returns: a short,
 *   rare substring over all users.
 * created_after/created_before and q->after become bounds on created_at
 * (the cursor's own created_at stays in, and its image_id breaks the tie:
 * created_at is unique, but the pair is the position).
 */
static enum img_err
list_read(struct catalog *cat, const struct list_query *q,
    catalog_record_cb cb, void *arg, struct list_pos *last, bool *more)
{
	struct list_ctx	 x;
	struct conn	*c = NULL;
	struct buf	 match;
	bool		 ft, fl;
	enum img_err	 e = IMG_OK;

	*more = false;
	buf_init(&match, FTS_QUERY_MAX);
	memset(&x, 0, sizeof(x));
	x.q = q;
	x.cb = cb;
	x.arg = arg;
	x.last = last;
	x.more = more;
	x.desc = q->order == LIST_DESC;
	x.lo = q->created_after;
	x.hi = q->created_before;
	if (q->after != NULL) {
		x.after = *q->after;
		x.after.image_id[IMAGE_ID_LEN] = '\0';
		x.has_after = true;
		if (x.desc && x.after.created_at < x.hi)
			x.hi = x.after.created_at;
		if (!x.desc && x.after.created_at > x.lo)
			x.lo = x.after.created_at;
	}
	if (x.lo > x.hi)
		return IMG_OK;
	/* An empty substring filters nothing. */
	x.title = q->title != NULL && q->title[0] != '\0' ? q->title : NULL;
	x.location = q->location != NULL && q->location[0] != '\0' ?
	    q->location : NULL;

	if ((e = reader_get(cat, &c)) != IMG_OK)
		return e;
	if (q->budget_us > 0) {
		x.budgeted = true;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &x.deadline);
		x.deadline.tv_sec += q->budget_us / 1000000;
		x.deadline.tv_nsec += (long)(q->budget_us % 1000000) * 1000;
		if (x.deadline.tv_nsec >= 1000000000) {
			x.deadline.tv_sec++;
			x.deadline.tv_nsec -= 1000000000;
		}
		sqlite3_progress_handler(c->db, LIST_PROGRESS_OPS,
		    list_progress, &x);
	}
	if (q->ntags > 0)
		e = list_streams(&x, c);
	else if (q->user_id != NULL)
		e = list_sql(&x, c, S_LIST_USER_DESC + q->order, NULL);
	else {
		ft = x.title != NULL && utf8_chars(x.title) >= 3;
		fl = x.location != NULL && utf8_chars(x.location) >= 3;
		if ((ft && (e = fts_add(&match, "title", x.title)) !=
		    IMG_OK) ||
		    (fl && (e = fts_add(&match, "location", x.location)) !=
		    IMG_OK))
			e = e == IMG_ETOOBIG ? IMG_EINVAL : e;
		else if (ft || fl)
			e = list_sql(&x, c, S_LIST_FTS_DESC + q->order,
			    match.data);
		else
			e = list_sql(&x, c, S_LIST_SCAN_DESC + q->order, NULL);
	}
	if (x.budgeted) {
		sqlite3_progress_handler(c->db, 0, NULL, NULL);
		if (x.spent)
			e = IMG_ESLOW;
	}
	reader_put(cat, c);
	buf_free(&match);
	return e;
}

/* A text of a listing's key: its length first, so no two keys collide. */
static enum img_err
key_text(struct buf *b, const char *s)
{
	enum img_err	 e;

	if (s == NULL)
		return buf_add(b, "-", 1);
	if ((e = buf_printf(b, "%zu:", strlen(s))) != IMG_OK)
		return e;
	return buf_adds(b, s);
}

/* The cache's key of a listing: every field of q but its budget. */
static enum img_err
list_key(const struct list_query *q, struct buf *b)
{
	enum img_err	 e;
	size_t		 i;

	e = buf_printf(b, "%d %d %u %" PRId64 " %" PRId64 " ", (int)q->order,
	    (int)q->tags_all, q->limit, q->created_after, q->created_before);
	if (e == IMG_OK && q->after != NULL)
		e = buf_printf(b, "%" PRId64 " %.*s ", q->after->created_at,
		    IMAGE_ID_LEN, q->after->image_id);
	if (e == IMG_OK)
		e = key_text(b, q->user_id);
	if (e == IMG_OK)
		e = key_text(b, q->title);
	if (e == IMG_OK)
		e = key_text(b, q->location);
	for (i = 0; i < q->ntags && e == IMG_OK; i++)
		e = key_text(b, q->tags[i]);
	return e;
}

/*
 * As catalog_get: a page read at the catalog's present version is kept,
 * and served again while nothing is committed.
 */
enum img_err
catalog_list(struct catalog *cat, const struct list_query *q,
    catalog_record_cb cb, void *arg, struct list_pos *last, bool *more)
{
	struct reccache_entry	*found = NULL, *fill = NULL;
	struct buf		 key;
	size_t			 i, n;
	enum img_err		 e = IMG_OK;

	*more = false;
	if (q->limit < 1 || q->limit > LIST_LIMIT_MAX ||
	    q->ntags > LIST_TAGS_MAX || (q->ntags > 0 && q->tags == NULL) ||
	    (q->order != LIST_DESC && q->order != LIST_ASC) || cb == NULL)
		return IMG_EINVAL;
	buf_init(&key, LIST_KEY_MAX);
	if (list_key(q, &key) == IMG_OK)
		found = cache_entry(cat, cat->listcache, key.data, q->limit,
		    &fill);
	buf_free(&key);
	if (found == NULL)
		return list_read(cat, q, cb, arg, last, more);
	if (fill != NULL) {
		e = list_read(cat, q, entry_add, fill, last, more);
		if (e != IMG_OK) {
			reccache_release(fill);
			return e;
		}
		reccache_entry_set_word(fill, *more);
		reccache_store(cat->listcache, fill);
	}
	*more = reccache_word(found) != 0;
	n = reccache_count(found);
	for (i = 0; i < n && e == IMG_OK; i++)
		e = cb(arg, reccache_record(found, i));
	if (e == IMG_OK && n > 0)
		pos_set(last, reccache_record(found, n - 1));
	reccache_release(found);
	return e;
}

/* --- maintenance ---------------------------------------------------------- */

/*
 * These serve `imaged check`, not requests: each prepares its statement
 * for the one call rather than keeping it on the connection.
 */

enum img_err
catalog_scan(struct catalog *cat, catalog_record_cb cb, void *arg)
{
	return scan_sql(cat, "SELECT " CATALOG_COLS " FROM images AS i"
	    " WHERE i.state = 0 ORDER BY i.created_at", cb, arg);
}

/*
 * Run one statement with one text parameter on the writer; *changes gets
 * its count.
 */
static enum img_err
writer_exec1(struct catalog *cat, const char *sql, const char *param,
    int *changes)
{
	struct conn	*w = cat->writer;
	sqlite3_stmt	*st = NULL;
	enum img_err	 e = IMG_OK;
	int		 rc;

	pthread_mutex_lock(&cat->wlock);
	rc = sqlite3_prepare_v2(w->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = bind_text(st, 1, param);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
		*changes = sqlite3_changes(w->db);
	else
		e = sql_err(w->db, rc, "maintenance");
	sqlite3_finalize(st);
	pthread_mutex_unlock(&cat->wlock);
	return e;
}

struct unsynced_scan {
	catalog_unsynced_cb	 cb;
	void			*arg;
};

static enum img_err
unsynced_row(sqlite3_stmt *st, void *arg)
{
	struct unsynced_scan		*u = arg;
	struct catalog_unsynced_file	 f;

	f.image_id = col_text(st, 0);
	f.s3_key = col_text(st, 1);
	f.sha256 = col_text(st, 2);
	f.file_size = sqlite3_column_int64(st, 3);
	f.created_at = sqlite3_column_int64(st, 4);
	return u->cb(u->arg, &f);
}

enum img_err
catalog_unsynced(struct catalog *cat, catalog_unsynced_cb cb, void *arg)
{
	struct unsynced_scan	 u = { cb, arg };

	return reader_rows(cat, "SELECT p.image_id, i.s3_key,"
	    " i.checksum_sha256, i.file_size, i.created_at FROM pending_files"
	    " AS p LEFT JOIN images AS i ON i.image_id = p.image_id"
	    " AND i.state = 0", "pending files", unsynced_row, &u);
}

enum img_err
catalog_unsynced_done(struct catalog *cat, const char *image_id,
    bool remove_row)
{
	enum img_err	 e = IMG_OK;
	int		 n = 0;

	/* The row first: a crash between leaves a mark with no row. */
	if (remove_row)
		e = writer_exec1(cat, "DELETE FROM images WHERE image_id = ?1"
		    " AND state = 0", image_id, &n);
	if (e == IMG_OK)
		e = writer_exec1(cat, "DELETE FROM pending_files"
		    " WHERE image_id = ?1", image_id, &n);
	return e;
}

enum img_err
catalog_quarantine(struct catalog *cat, const char *image_id)
{
	enum img_err	 e;
	int		 n = 0;

	e = writer_exec1(cat, "UPDATE images SET state = 1"
	    " WHERE image_id = ?1 AND state = 0", image_id, &n);
	return e == IMG_OK && n == 0 ? IMG_ENOTFOUND : e;
}

/*
 * A one-row query with up to two text parameters on a reader: *found, and
 * column 0.
 */
static enum img_err
reader_query1(struct catalog *cat, const char *sql, const char *p1,
    const char *p2, bool *found, int64_t *value)
{
	struct conn	*c;
	sqlite3_stmt	*st = NULL;
	enum img_err	 e;
	int		 rc;

	if ((e = reader_get(cat, &c)) != IMG_OK)
		return e;
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && p1 != NULL)
		rc = bind_text(st, 1, p1);
	if (rc == SQLITE_OK && p2 != NULL)
		rc = bind_text(st, 2, p2);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW && value != NULL)
		*value = sqlite3_column_int64(st, 0);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = sql_err(c->db, rc, "maintenance");
	sqlite3_finalize(st);
	reader_put(cat, c);
	return e;
}

enum img_err
catalog_key_known(struct catalog *cat, const char *image_id, const char *s3_key)
{
	enum img_err	 e;
	bool		 found;

	e = reader_query1(cat, "SELECT 1 FROM images WHERE image_id = ?1"
	    " AND s3_key = ?2 AND state <> 2", image_id, s3_key, &found, NULL);
	return e == IMG_OK && !found ? IMG_ENOTFOUND : e;
}

enum img_err
catalog_quarantined(struct catalog *cat, int64_t *count)
{
	bool	 found;

	*count = 0;
	return reader_query1(cat,
	    "SELECT count(*) FROM images WHERE state = 1",
	    NULL, NULL, &found, count);
}

/* --- data in and out ------------------------------------------------------ */

#define LEAN_PRAGMAS	"PRAGMA cache_size = -2048; PRAGMA mmap_size = 0;"

struct record_rows {
	catalog_record_cb	 cb;
	void			*arg;
};

static enum img_err
record_row(sqlite3_stmt *st, void *arg)
{
	struct record_rows	*r = arg;
	struct image_record	 rec;

	row_record(st, &rec);
	return r->cb(r->arg, &rec);
}

/* Every row sql (no parameters) returns, in one snapshot. */
static enum img_err
scan_sql(struct catalog *cat, const char *sql, catalog_record_cb cb, void *arg)
{
	struct record_rows	 r = { cb, arg };

	return reader_rows(cat, sql, "scan", record_row, &r);
}

enum img_err
catalog_scan_every(struct catalog *cat, catalog_record_cb cb, void *arg)
{
	return scan_sql(cat, "SELECT " CATALOG_COLS " FROM images AS i"
	    " WHERE i.state <> 2 ORDER BY i.created_at", cb, arg);
}

enum img_err
catalog_totals(struct catalog *cat, int64_t *rows, int64_t *bytes)
{
	bool		 found;
	enum img_err	 e;

	*rows = *bytes = 0;
	if ((e = reader_query1(cat,
	    "SELECT count(*) FROM images WHERE state = 0",
	    NULL, NULL, &found, rows)) != IMG_OK)
		return e;
	return reader_query1(cat,
	    "SELECT coalesce(sum(file_size), 0) FROM images"
	    " WHERE state = 0", NULL, NULL, &found, bytes);
}

enum img_err
catalog_copy_to(struct catalog *cat, const char *path)
{
	struct conn	*c;
	sqlite3_stmt	*st = NULL;
	enum img_err	 e;
	int		 rc;

	/* A connection of its own: the pool's readers are query_only. */
	if ((e = conn_open(cat->path, false, &c)) != IMG_OK)
		return e;
	/* The copy streams every page once: no cache to keep. */
	if ((rc = sqlite3_exec(c->db, LEAN_PRAGMAS "PRAGMA query_only = OFF",
	    NULL, NULL, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(c->db, "VACUUM INTO ?1", -1, &st,
	    NULL)) != SQLITE_OK ||
	    (rc = bind_text(st, 1, path)) != SQLITE_OK ||
	    (rc = sqlite3_step(st)) != SQLITE_DONE) {
		e = sql_err(c->db, rc, "copy");
		if (e == IMG_EINTERNAL)
			e = IMG_EUNAVAIL;
	}
	sqlite3_finalize(st);
	conn_close(c);
	return e;
}

enum img_err
catalog_id_known(struct catalog *cat, const char *image_id)
{
	enum img_err	 e;
	bool		 found;

	e = reader_query1(cat, "SELECT 1 FROM images WHERE image_id = ?1"
	    " AND state <> 2", image_id, NULL, &found, NULL);
	return e == IMG_OK && !found ? IMG_ENOTFOUND : e;
}

/* Whether the writer's query with one int64 parameter returns a row. */
static int
writer_probe(sqlite3_stmt *st, sqlite3_int64 v, bool *found)
{
	int	 rc;

	sqlite3_reset(st);
	if ((rc = sqlite3_bind_int64(st, 1, v)) != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

enum img_err
catalog_import(struct catalog *cat, struct catalog_import_row *rows, size_t n)
{
	struct conn	*w = cat->writer;
	sqlite3_stmt	*known = NULL, *taken = NULL, *ins = NULL, *seq = NULL;
	sqlite3_stmt	*purge = NULL;
	int64_t		 last, at, now = now_usec(cat);
	bool		 found;
	size_t		 i;
	enum img_err	 e = IMG_OK;
	int		 rc = SQLITE_OK;

	for (i = 0; i < n; i++) {
		rows[i].added = false;
		if (rows[i].rec->created_at >= now)
			return IMG_EINVAL;
	}
	pthread_mutex_lock(&cat->wlock);
	if ((e = conn_run(w, S_BEGIN_WRITE, "begin")) != IMG_OK)
		goto done;
	/* Another process (a running daemon) may have moved it on. */
	if ((e = query_int(w->db, "SELECT max(coalesce((SELECT max(created_at)"
	    " FROM images), 0), (SELECT last_created FROM catalog_seq"
	    " WHERE id = 1))", &last)) != IMG_OK)
		goto done;
	/*
	 * A deleted row whose file is not yet gone makes way for the same
	 * image brought back; the pending removal of its key stays, and
	 * spares the file once a row holds the key again (recover.c).
	 */
	if ((rc = sqlite3_prepare_v2(w->db, "DELETE FROM images"
	    " WHERE image_id = ?1 AND state = 2", -1, &purge, NULL)) !=
	    SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(w->db, "SELECT 1 FROM images"
	    " WHERE image_id = ?1", -1, &known, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(w->db, "SELECT 1 FROM images"
	    " WHERE created_at = ?1", -1, &taken, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(w->db, "INSERT INTO images (created_at,"
	    " image_id, user_id, filename, s3_key, content_type, file_size,"
	    " checksum_sha256, width, height, title, description, location,"
	    " tags, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
	    " ?10, ?11, ?12, ?13, ?14, ?15)", -1, &ins, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_prepare_v2(w->db, "UPDATE catalog_seq SET"
	    " last_created = max(last_created, ?1) WHERE id = 1", -1, &seq,
	    NULL)) != SQLITE_OK)
		goto done;
	for (i = 0; i < n; i++) {
		const struct image_record	*r = rows[i].rec;
		const struct image_meta		*m = rows[i].meta;

		sqlite3_reset(purge);
		sqlite3_reset(known);
		if ((rc = bind_text(purge, 1, r->image_id)) != SQLITE_OK ||
		    (rc = sqlite3_step(purge)) != SQLITE_DONE ||
		    (rc = bind_text(known, 1, r->image_id)) != SQLITE_OK)
			goto done;
		if ((rc = sqlite3_step(known)) == SQLITE_ROW)
			continue;
		if (rc != SQLITE_DONE)
			goto done;
		for (at = r->created_at;; at++) {
			if ((rc = writer_probe(taken, at, &found)) != SQLITE_OK)
				goto done;
			if (!found)
				break;
		}
		sqlite3_reset(ins);
		if ((rc = bind_record(ins, r, m, at)) != SQLITE_OK ||
		    (rc = sqlite3_bind_int64(ins, 15, r->updated_at > at ?
		    r->updated_at : at)) != SQLITE_OK ||
		    (rc = sqlite3_step(ins)) != SQLITE_DONE)
			goto done;
		rows[i].added = true;
		if (at > last)
			last = at;
	}
	sqlite3_reset(seq);
	if ((rc = sqlite3_bind_int64(seq, 1, last)) != SQLITE_OK ||
	    (rc = sqlite3_step(seq)) != SQLITE_DONE)
		goto done;
	rc = SQLITE_OK;
	if ((e = conn_commit(w)) == IMG_OK && last > cat->last_created)
		cat->last_created = last;
done:
	if (rc != SQLITE_OK && e == IMG_OK)
		e = sql_err(w->db, rc, "import");
	sqlite3_finalize(purge);
	sqlite3_finalize(known);
	sqlite3_finalize(taken);
	sqlite3_finalize(ins);
	sqlite3_finalize(seq);
	conn_rollback(w);
	pthread_mutex_unlock(&cat->wlock);
	if (e != IMG_OK)
		for (i = 0; i < n; i++)
			rows[i].added = false;
	return e;
}

enum img_err
catalog_lean(struct catalog *cat)
{
	unsigned	 i;
	int		 rc;

	pthread_mutex_lock(&cat->plock);
	rc = sqlite3_exec(cat->writer->db, LEAN_PRAGMAS, NULL, NULL, NULL);
	for (i = 0; rc == SQLITE_OK && i < cat->nidle; i++)
		rc = sqlite3_exec(cat->idle[i]->db, LEAN_PRAGMAS, NULL, NULL,
		    NULL);
	pthread_mutex_unlock(&cat->plock);
	return rc == SQLITE_OK ? IMG_OK : sql_err(cat->writer->db, rc, "lean");
}
