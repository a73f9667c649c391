/*
 * tokens.c: the tokens file, lookups against it, and the edits behind
 * `imaged token` (add, list, revoke; the command itself is cmd_token.c).
 *
 * A token is "imt_" and 32 random bytes in base64url without padding
 * (47 characters).  The file keeps one line per token:
 *
 *	<id> <hash> <user_id> <role> <created>
 *
 * hash is the hex BLAKE2b-256 (crypto_generichash, no key) of the token
 * text, id its first 8 hex digits, role "user" or "admin", created the
 * Unix time of `token add`.  Fields are separated by blanks; lines that
 * are blank or start with '#' are ignored.  A plain fast hash is enough:
 * a token carries 256 random bits, so nobody can search for one from its
 * hash, and salt or a slow hash would only defend low-entropy passwords.
 *
 * Invariants of a loaded table: every line parsed, ids unique (revoke
 * works by id; `token add` draws again on the rare clash), hash[0..8)
 * equal to id.  A file that breaks any of them is refused whole, never
 * half used.
 *
 * Writes (add, revoke) hold flock(2) on the file's folder, so two
 * commands at once do not lose each other's change, then replace the file
 * whole with durable_write (mode 0600).  Comments and line order survive a
 * rewrite.
 *
 * The daemon notices a rewrite by (device, inode, size, mtime): each
 * lookup stat()s the file and reloads on any difference.  A rewrite sets
 * the new file's mtime strictly after the old one's, so two rewrites in
 * one clock tick that reuse an inode and keep the size still differ from
 * what the daemon holds.  A missing file is an empty set; a file that
 * cannot be read or parsed keeps the previous table and is logged once
 * for that state of the file.
 *
 * Locking: lock (a rwlock) guards the table and the stamps; lookups
 * share it and a reload takes it exclusively only to swap tables.
 * reload_mu lets one thread at a time read the file, so a change seen by
 * many request threads at once is read once.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "imaged/buf.h"
#include "imaged/durable.h"
#include "imaged/log.h"
#include "imaged/signer.h"
#include "imaged/tokens.h"
#include "imaged/validate.h"

#define TOKEN_PREFIX		"imt_"
#define TOKEN_PREFIX_LEN	4
#define TOKEN_RAW_LEN		32
#define TOKEN_B64_LEN		43	/* 32 bytes in unpadded base64url */
#define TOKEN_LEN		TOKENS_TOKEN_LEN
_Static_assert(TOKEN_LEN == TOKEN_PREFIX_LEN + TOKEN_B64_LEN, "token length");
#define TOKEN_SENT_MAX		256	/* longer ones are refused unhashed */
#define HASH_LEN		crypto_generichash_BYTES	/* 32 */
#define HASH_HEX		(2 * HASH_LEN)
#define ID_LEN			TOKENS_ID_LEN
/* 9999-12-31T23:59:59Z, the last time RFC 3339 can write. */
#define CREATED_MAX		INT64_C(253402300799)
#define TOKENS_FILE_MAX		((size_t)8 << 20)
#define ADD_TRIES		8


static const char	 file_header[] =
    "# imaged API tokens: <id> <hash> <user_id> <role> <created>\n"
    "# hash is BLAKE2b-256 of the token; the tokens themselves are not kept.\n";

struct token_ent {
	unsigned char	 hash[HASH_LEN];
	char		 id[ID_LEN + 1];
	char		 user_id[USER_ID_MAX + 1];
	bool		 admin;
	int64_t		 created;
	size_t		 off, len;	/* its line in the text, with '\n' */
};

struct table {
	struct token_ent	*ents;
	size_t			 n;
};

/* What the file looked like when read: err 0, ENOENT or why it failed. */
struct stamp {
	int		 err;
	dev_t		 dev;
	ino_t		 ino;
	off_t		 size;
	struct timespec	 mtim;
};

struct tokens {
	char			*path;
	pthread_rwlock_t	 lock;
	pthread_mutex_t		 reload_mu;
	struct table		 tab;		/* under lock */
	struct stamp		 stamp;		/* of tab's file, under lock */
	struct stamp		 failed;	/* last failure, under lock */
	bool			 has_failed;
};

static void
stamp_from_stat(struct stamp *s, const struct stat *st)
{
	memset(s, 0, sizeof(*s));
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtim = st->st_mtim;
}

static void
stamp_of_errno(struct stamp *s, int err)
{
	memset(s, 0, sizeof(*s));
	s->err = err;
}

static bool
stamp_eq(const struct stamp *a, const struct stamp *b)
{
	if (a->err != 0 || b->err != 0)
		return a->err == b->err;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtim.tv_sec == b->mtim.tv_sec &&
	    a->mtim.tv_nsec == b->mtim.tv_nsec;
}

static void
table_free(struct table *t)
{
	free(t->ents);
	t->ents = NULL;
	t->n = 0;
}

static void
token_hash(const char *token, size_t len, unsigned char hash[HASH_LEN])
{
	crypto_generichash(hash, HASH_LEN, (const unsigned char *)token, len,
	    NULL, 0);
}

static bool
is_lower_hex(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int
id_cmp(const void *a, const void *b)
{
	const struct token_ent	*x = *(const struct token_ent *const *)a;
	const struct token_ent	*y = *(const struct token_ent *const *)b;
	int			 c;

	if ((c = memcmp(x->id, y->id, ID_LEN)) != 0)
		return c;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The 1-based number of the line starting at off. */
static size_t
line_number(const char *text, size_t off)
{
	size_t	 i, n = 1;

	for (i = 0; i < off; i++)
		if (text[i] == '\n')
			n++;
	return n;
}

/* Refuse a table in which two tokens share an id; msg names the later. */
static bool
ids_unique(const char *text, const struct table *tab, char *msg,
    size_t msglen)
{
	const struct token_ent	**v;
	size_t			 i;
	bool			 ok = true;

	if (tab->n < 2)
		return true;
	if ((v = calloc(tab->n, sizeof(*v))) == NULL) {
		snprintf(msg, msglen, "out of memory");
		return false;
	}
	for (i = 0; i < tab->n; i++)
		v[i] = &tab->ents[i];
	qsort(v, tab->n, sizeof(*v), id_cmp);
	for (i = 1; i < tab->n && ok; i++) {
		if (memcmp(v[i - 1]->id, v[i]->id, ID_LEN) == 0) {
			snprintf(msg, msglen, "line %zu: id %s used twice",
			    line_number(text, v[i]->off), v[i]->id);
			ok = false;
		}
	}
	free(v);
	return ok;
}

/*
 * Parse one token line s[0..len) (no '\n') into e.  False with a reason
 * in why (static text) when malformed.
 */
static bool
parse_line(const char *s, size_t len, struct token_ent *e, const char **why)
{
	const char	*f[5];
	size_t		 fl[5], nf = 0, i = 0, k;
	int64_t		 created = 0;

	while (i < len) {
		while (i < len && is_blank(s[i]))
			i++;
		if (i == len)
			break;
		if (nf == 5) {
			*why = "more than 5 fields";
			return false;
		}
		f[nf] = s + i;
		while (i < len && !is_blank(s[i]))
			i++;
		fl[nf] = (size_t)(s + i - f[nf]);
		nf++;
	}
	if (nf != 5) {
		*why = "want 5 fields: id hash user_id role created";
		return false;
	}
	if (fl[1] != HASH_HEX || !is_lower_hex(f[1], HASH_HEX)) {
		*why = "hash is not 64 lower-case hex digits";
		return false;
	}
	if (fl[0] != ID_LEN || memcmp(f[0], f[1], ID_LEN) != 0) {
		*why = "id is not the first 8 digits of the hash";
		return false;
	}
	if (!valid_user_id(f[2], fl[2], NULL, 0)) {
		*why = "bad user_id";
		return false;
	}
	if (fl[3] == 4 && memcmp(f[3], "user", 4) == 0)
		e->admin = false;
	else if (fl[3] == 5 && memcmp(f[3], "admin", 5) == 0)
		e->admin = true;
	else {
		*why = "role is not user or admin";
		return false;
	}
	/* Digits only, bounded before multiplying, so no overflow. */
	for (k = 0; k < fl[4]; k++) {
		if (f[4][k] < '0' || f[4][k] > '9' || created > CREATED_MAX)
			break;
		created = created * 10 + (f[4][k] - '0');
	}
	if (fl[4] == 0 || k != fl[4] || created > CREATED_MAX) {
		*why = "created is not a Unix time";
		return false;
	}
	memcpy(e->id, f[0], ID_LEN);
	e->id[ID_LEN] = '\0';
	(void)sodium_hex2bin(e->hash, HASH_LEN, f[1], HASH_HEX, NULL, NULL,
	    NULL);
	memcpy(e->user_id, f[2], fl[2]);
	e->user_id[fl[2]] = '\0';
	e->created = created;
	return true;
}

/*
 * Parse the file's text into tab (emptied first).  On a malformed line,
 * IMG_EUNAVAIL with msg "line N: why"; IMG_ENOMEM.
 */
static enum img_err
parse_text(const char *text, size_t len, struct table *tab, char *msg,
    size_t msglen)
{
	struct token_ent	*ents = NULL, *p;
	size_t			 n = 0, size = 0, off = 0, lineno = 0, end, i;
	const char		*why;
	enum img_err		 ret = IMG_EUNAVAIL;

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);

		end = nl != NULL ? (size_t)(nl - text) : len;
		lineno++;
		for (i = off; i < end && is_blank(text[i]); i++)
			;
		if (i == end || text[i] == '#')
			goto next;
		if (n == size) {
			size = size ? size * 2 : 16;
			p = reallocarray(ents, size, sizeof(*p));
			if (p == NULL) {
				ret = IMG_ENOMEM;
				snprintf(msg, msglen, "out of memory");
				goto done;
			}
			ents = p;
		}
		memset(&ents[n], 0, sizeof(ents[n]));
		if (!parse_line(text + off, end - off, &ents[n], &why)) {
			snprintf(msg, msglen, "line %zu: %s", lineno, why);
			goto done;
		}
		ents[n].off = off;
		ents[n].len = end - off + (nl != NULL);
		n++;
next:
		off = end + 1;
	}
	table_free(tab);
	tab->ents = ents;
	tab->n = n;
	ents = NULL;
	if (!ids_unique(text, tab, msg, msglen)) {
		table_free(tab);
		goto done;
	}
	ret = IMG_OK;
done:
	free(ents);
	return ret;
}

/*
 * Read the file at path into text (emptied first) and say what it was in
 * st (and stamp).  A missing file is IMG_OK with no text and a stamp of
 * ENOENT, *exists false.  Otherwise IMG_EUNAVAIL with msg, or IMG_ENOMEM.
 * *loose is set when group or others have any access.
 */
static enum img_err
read_file(const char *path, struct buf *text, struct stamp *stamp,
    struct stat *st, bool *exists, bool *loose, char *msg, size_t msglen)
{
	char		 chunk[8192];
	ssize_t		 n;
	int		 fd;
	enum img_err	 ret = IMG_EUNAVAIL, e;

	buf_reset(text);
	*exists = false;
	*loose = false;
	/* O_NONBLOCK: a FIFO planted there must not hang the open. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		stamp_of_errno(stamp, errno);
		if (errno == ENOENT)
			return IMG_OK;
		snprintf(msg, msglen, "%s", strerror(errno));
		return IMG_EUNAVAIL;
	}
	if (fstat(fd, st) == -1) {
		stamp_of_errno(stamp, errno);
		snprintf(msg, msglen, "%s", strerror(errno));
		goto done;
	}
	stamp_from_stat(stamp, st);
	if (!S_ISREG(st->st_mode)) {
		snprintf(msg, msglen, "not a regular file");
		goto done;
	}
	*exists = true;
	*loose = (st->st_mode & (S_IRWXG | S_IRWXO)) != 0;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(msg, msglen, "%s", strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if ((e = buf_add(text, chunk, (size_t)n)) != IMG_OK) {
			ret = e == IMG_ENOMEM ? IMG_ENOMEM : IMG_EUNAVAIL;
			if (e == IMG_ENOMEM)
				snprintf(msg, msglen, "out of memory");
			else
				snprintf(msg, msglen, "larger than %zu bytes",
				    TOKENS_FILE_MAX);
			goto done;
		}
	}
	ret = IMG_OK;
done:
	close(fd);
	return ret;
}

/* Read and parse the file at path: the common part of open and reload. */
static enum img_err
load(const char *path, struct table *tab, struct stamp *stamp, char *msg,
    size_t msglen)
{
	struct buf	 text;
	struct stat	 st;
	bool		 exists, loose;
	enum img_err	 ret;

	buf_init(&text, TOKENS_FILE_MAX);
	ret = read_file(path, &text, stamp, &st, &exists, &loose, msg, msglen);
	if (ret != IMG_OK)
		goto done;
	if (loose)
		log_warnx("tokens file %s is accessible to others (mode %03o); "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 0777));
	ret = parse_text(text.data != NULL ? text.data : "", text.len, tab,
	    msg, msglen);
done:
	buf_free(&text);
	return ret;
}

enum img_err
tokens_open(const char *path, struct tokens **tp)
{
	struct tokens	*t = NULL;
	char		 msg[256];
	bool		 rw = false, mu = false;
	enum img_err	 ret = IMG_ENOMEM;

	*tp = NULL;
	if (sodium_init() < 0) {
		log_warnx("tokens: libsodium failed to start");
		ret = IMG_EUNAVAIL;
		goto done;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->path = strdup(path)) == NULL ||
	    !(rw = pthread_rwlock_init(&t->lock, NULL) == 0) ||
	    !(mu = pthread_mutex_init(&t->reload_mu, NULL) == 0))
		goto done;
	ret = load(path, &t->tab, &t->stamp, msg, sizeof(msg));
	if (ret != IMG_OK) {
		log_warnx("tokens file %s: %s", path, msg);
		goto done;
	}
	*tp = t;
	t = NULL;
done:
	if (t != NULL) {
		if (mu)
			pthread_mutex_destroy(&t->reload_mu);
		if (rw)
			pthread_rwlock_destroy(&t->lock);
		table_free(&t->tab);
		free(t->path);
		free(t);
	}
	return ret;
}

void
tokens_close(struct tokens *t)
{
	if (t == NULL)
		return;
	pthread_mutex_destroy(&t->reload_mu);
	pthread_rwlock_destroy(&t->lock);
	table_free(&t->tab);
	free(t->path);
	free(t);
}

static void
stat_stamp(const char *path, struct stamp *s)
{
	struct stat	 st;

	if (stat(path, &st) == -1)
		stamp_of_errno(s, errno);
	else
		stamp_from_stat(s, &st);
}

/* Whether the file at cur differs from the table and from the last failure. */
static bool
is_stale(struct tokens *t, const struct stamp *cur)
{
	bool	 stale;

	pthread_rwlock_rdlock(&t->lock);
	stale = !stamp_eq(cur, &t->stamp) &&
	    !(t->has_failed && stamp_eq(cur, &t->failed));
	pthread_rwlock_unlock(&t->lock);
	return stale;
}

/* Bring the table up to date with the file, if it changed. */
static void
refresh(struct tokens *t)
{
	struct table	 tab = { NULL, 0 }, old;
	struct stamp	 cur, got;
	char		 msg[256];
	enum img_err	 e;

	stat_stamp(t->path, &cur);
	if (!is_stale(t, &cur))
		return;
	pthread_mutex_lock(&t->reload_mu);
	/* Another thread may have reloaded while this one waited. */
	stat_stamp(t->path, &cur);
	if (!is_stale(t, &cur))
		goto done;
	e = load(t->path, &tab, &got, msg, sizeof(msg));
	pthread_rwlock_wrlock(&t->lock);
	if (e != IMG_OK) {
		/*
		 * Remembered by what stat() saw, which is what later lookups
		 * compare (the file may be unreadable, with no fstat), and
		 * logged once per state of the file.
		 */
		if (!t->has_failed || !stamp_eq(&cur, &t->failed))
			log_warnx("tokens file %s: %s; keeping the %zu tokens "
			    "loaded before", t->path, msg, t->tab.n);
		t->failed = cur;
		t->has_failed = true;
		pthread_rwlock_unlock(&t->lock);
		table_free(&tab);
		goto done;
	}
	old = t->tab;
	t->tab = tab;
	t->stamp = got;	/* what was read, which stat() may have missed */
	t->has_failed = false;
	pthread_rwlock_unlock(&t->lock);
	log_info("tokens file %s reloaded: %zu tokens", t->path, tab.n);
	table_free(&old);
done:
	pthread_mutex_unlock(&t->reload_mu);
}

bool
tokens_lookup(struct tokens *t, const char *token, size_t len,
    struct principal *p)
{
	unsigned char	 hash[HASH_LEN];
	size_t		 i, idx = 0, mask;
	unsigned	 found = 0, m;

	memset(p, 0, sizeof(*p));
	if (len == 0 || len > TOKEN_SENT_MAX)
		return false;
	token_hash(token, len, hash);
	refresh(t);
	pthread_rwlock_rdlock(&t->lock);
	/*
	 * Every entry is compared, in constant time, and the match picked
	 * with masks rather than a branch, so the time taken does not say
	 * whether or where the token is.
	 */
	for (i = 0; i < t->tab.n; i++) {
		m = sodium_memcmp(hash, t->tab.ents[i].hash, HASH_LEN) == 0;
		mask = (size_t)0 - (size_t)m;
		idx = (idx & ~mask) | (i & mask);
		found |= m;
	}
	if (found) {
		p->admin = t->tab.ents[idx].admin;
		memcpy(p->user_id, t->tab.ents[idx].user_id,
		    sizeof(p->user_id));
	}
	pthread_rwlock_unlock(&t->lock);
	return found != 0;
}

/* --- editing the file (`imaged token`) ---------------------------------- */

/* The folder holding path, as a new string (NULL: out of memory). */
static char *
folder_of(const char *path)
{
	const char	*slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* A file opened for change: its text, entries and folder lock. */
struct edit {
	const char	*path;
	struct buf	 text;
	struct table	 tab;
	struct stat	 st;
	bool		 exists;
	int		 dfd;
};

static void
edit_end(struct edit *ed)
{
	buf_free(&ed->text);
	table_free(&ed->tab);
	if (ed->dfd != -1)
		close(ed->dfd);	/* drops the lock */
}

/*
 * Read and parse the file at path; with lock, first take the folder's
 * lock (held until edit_end).  False with a message in msg.
 */
static bool
edit_begin(struct edit *ed, const char *path, bool lock, char *msg,
    size_t msglen)
{
	struct stamp	 stamp;
	char		*dir = NULL, why[256];
	bool		 loose, ok = false;

	memset(ed, 0, sizeof(*ed));
	ed->path = path;
	ed->dfd = -1;
	buf_init(&ed->text, TOKENS_FILE_MAX);
	if (lock) {
		if ((dir = folder_of(path)) == NULL) {
			snprintf(msg, msglen, "out of memory");
			goto done;
		}
		ed->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ed->dfd == -1) {
			snprintf(msg, msglen, "%s: %s", dir, strerror(errno));
			goto done;
		}
		/*
		 * Some file systems (NFS) may not lock folders; going on
		 * unlocked then only risks a lost update between two
		 * commands run at the same instant.
		 */
		while (flock(ed->dfd, LOCK_EX) == -1 && errno == EINTR)
			;
	}
	if (read_file(path, &ed->text, &stamp, &ed->st, &ed->exists, &loose,
	    why, sizeof(why)) != IMG_OK ||
	    parse_text(ed->text.data != NULL ? ed->text.data : "",
	    ed->text.len, &ed->tab, why, sizeof(why)) != IMG_OK) {
		snprintf(msg, msglen, "%s: %s", path, why);
		goto done;
	}
	ok = true;
done:
	free(dir);
	return ok;
}

/*
 * Replace the file with data[0..len).  The old file's owner is kept when
 * run as root, so `sudo imaged token` leaves a file the daemon's user can
 * still read, and the new mtime is made later than its (see the opening
 * comment).  False with a message in msg; the old file is then untouched.
 */
static bool
edit_commit(struct edit *ed, const char *data, size_t len, char *msg,
    size_t msglen)
{
	struct durable_opts	 opts = { .mode = 0600 };
	char			 why[512];

	opts.replaces = ed->exists ? &ed->st : NULL;
	if (durable_write(ed->path, data, len, &opts, why, sizeof(why)) !=
	    IMG_OK) {
		snprintf(msg, msglen, "%s: %s", ed->path, why);
		return false;
	}
	return true;
}

static const struct token_ent *
find_id(const struct table *tab, const char *id)
{
	size_t	 i;

	for (i = 0; i < tab->n; i++)
		if (memcmp(tab->ents[i].id, id, ID_LEN) == 0)
			return &tab->ents[i];
	return NULL;
}

/* A new token in text (with a NUL) whose id is not in tab yet. */
static bool
new_token(const struct table *tab, char text[TOKEN_LEN + 1],
    unsigned char hash[HASH_LEN], char hex[HASH_HEX + 1])
{
	unsigned char	 raw[TOKEN_RAW_LEN];
	int		 tries;

	for (tries = 0; tries < ADD_TRIES; tries++) {
		random_bytes(raw, sizeof(raw));
		memcpy(text, TOKEN_PREFIX, TOKEN_PREFIX_LEN);
		sodium_bin2base64(text + TOKEN_PREFIX_LEN,
		    TOKEN_B64_LEN + 1, raw, sizeof(raw),
		    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		token_hash(text, TOKEN_LEN, hash);
		sodium_bin2hex(hex, HASH_HEX + 1, hash, HASH_LEN);
		if (find_id(tab, hex) == NULL)
			break;
	}
	sodium_memzero(raw, sizeof(raw));
	return tries < ADD_TRIES;
}

static void
info_of(const struct token_ent *e, struct token_info *info)
{
	memcpy(info->id, e->id, sizeof(info->id));
	memcpy(info->user_id, e->user_id, sizeof(info->user_id));
	info->admin = e->admin;
	info->created = e->created;
}

enum img_err
tokens_file_add(const char *path, const char *user, bool admin,
    char token[TOKENS_TOKEN_LEN + 1], struct token_info *info, char *msg,
    size_t msglen)
{
	struct edit	 ed;
	struct buf	 next;
	unsigned char	 hash[HASH_LEN];
	char		 hex[HASH_HEX + 1];
	time_t		 now = time(NULL);
	enum img_err	 ret = IMG_EUNAVAIL;

	if (sodium_init() < 0) {
		snprintf(msg, msglen, "libsodium failed to start");
		return IMG_EINTERNAL;
	}
	buf_init(&next, TOKENS_FILE_MAX);
	if (!edit_begin(&ed, path, true, msg, msglen))
		goto done;
	if (!new_token(&ed.tab, token, hash, hex)) {
		snprintf(msg, msglen, "no free token id; try again");
		goto done;
	}
	if ((ed.text.len == 0 ? buf_add(&next, file_header,
	    sizeof(file_header) - 1) : buf_add(&next, ed.text.data,
	    ed.text.len)) != IMG_OK ||
	    (next.len > 0 && next.data[next.len - 1] != '\n' &&
	    buf_addc(&next, '\n') != IMG_OK) ||
	    buf_printf(&next, "%.*s %s %s %s %" PRId64 "\n", ID_LEN, hex, hex,
	    user, admin ? "admin" : "user", (int64_t)now) != IMG_OK) {
		snprintf(msg, msglen, "%s: too large or out of memory", path);
		goto done;
	}
	if (!edit_commit(&ed, next.data, next.len, msg, msglen))
		goto done;
	memcpy(info->id, hex, ID_LEN);
	info->id[ID_LEN] = '\0';
	snprintf(info->user_id, sizeof(info->user_id), "%s", user);
	info->admin = admin;
	info->created = (int64_t)now;
	ret = IMG_OK;
done:
	if (ret != IMG_OK)
		sodium_memzero(token, TOKENS_TOKEN_LEN + 1);
	buf_free(&next);
	edit_end(&ed);
	return ret;
}

enum img_err
tokens_file_list(const char *path,
    void (*each)(void *, const struct token_info *), void *arg, char *msg,
    size_t msglen)
{
	struct edit		 ed;
	struct token_info	 info;
	size_t			 i;
	enum img_err		 ret = IMG_EUNAVAIL;

	if (!edit_begin(&ed, path, false, msg, msglen))
		goto done;
	for (i = 0; i < ed.tab.n; i++) {
		info_of(&ed.tab.ents[i], &info);
		each(arg, &info);
	}
	ret = IMG_OK;
done:
	edit_end(&ed);
	return ret;
}

enum img_err
tokens_file_revoke(const char *path, const char *id,
    struct token_info *revoked, char *msg, size_t msglen)
{
	const struct token_ent	*e;
	struct edit		 ed;
	struct buf		 next;
	enum img_err		 ret = IMG_EUNAVAIL;

	buf_init(&next, TOKENS_FILE_MAX);
	if (!edit_begin(&ed, path, true, msg, msglen))
		goto done;
	if ((e = find_id(&ed.tab, id)) == NULL) {
		snprintf(msg, msglen, "no token with id %s", id);
		ret = IMG_ENOTFOUND;
		goto done;
	}
	if (buf_add(&next, ed.text.data, e->off) != IMG_OK ||
	    buf_add(&next, ed.text.data + e->off + e->len,
	    ed.text.len - e->off - e->len) != IMG_OK) {
		snprintf(msg, msglen, "out of memory");
		ret = IMG_ENOMEM;
		goto done;
	}
	info_of(e, revoked);
	/* next may be empty: buf_add of nothing leaves data NULL. */
	if (!edit_commit(&ed, next.data != NULL ? next.data : "", next.len,
	    msg, msglen))
		goto done;
	ret = IMG_OK;
done:
	buf_free(&next);
	edit_end(&ed);
	return ret;
}
