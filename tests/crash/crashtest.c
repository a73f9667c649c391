/*
 * crashtest.c: crash safety of imaged, from the outside.  Each round runs
 * client threads against the daemon (uploads in the three body forms,
 * deletes, paged listings), SIGKILLs the daemon at a random moment,
 * restarts it on the same data folder and checks what survived:
 *
 *	- every upload answered 201 is listed, once, and its bytes (from its
 *	  signed URL) hash to the SHA-256 of what was sent;
 *	- every delete answered 200 is gone (GET is 404, not listed);
 *	- no image exists that no upload explains (a refused upload, or a
 *	  deleted image come back), and none lacks its file;
 *	- no temp file survives the restart, and no file of imaged's is
 *	  left without a row: the start recovers before it answers;
 *	- files imaged did not write, planted in the bucket before the first
 *	  start (another prefix, a non-image name, well-formed image keys in
 *	  a client's folder and in a folder of no client), are all still
 *	  there, byte for byte, after every kill and restart;
 *	- `imaged check` calls the store clean but for those files, each
 *	  listed as unknown.
 *
 * After the last round the daemon is stopped with SIGTERM (it must exit
 * 0) and `imaged check` runs once more with no daemon at all, then
 * `imaged check --repair`, which must move each planted file to
 * lost+found/ whole and leave the store clean; a failure there fails the
 * last round.  A daemon that will not restart is a violation and ends the
 * run.
 *
 *	crashtest [-v] [-r rounds] [-c clients] [-s seed] [-m min_ms]
 *	    [-M max_ms] IMAGED WORKDIR SAMPLE...
 *
 * Defaults: 3 rounds, 16 clients, the kill 500-2500 ms into each round's
 * load, a seed from the clock (printed; -s repeats the run's choices,
 * though not the threads' interleaving).  -v prints `imaged check`'s
 * report every round rather than only when it fails.
 *
 * The data folder is WORKDIR/data, kept across rounds so that state piles
 * up.  Payloads are the SAMPLE images followed by random bytes (the
 * daemon's sniffer reads headers only), so every upload's checksum is
 * its own.  Prints one line per round and "rounds: P passed, F failed";
 * exits 0 only with no violation.  Links none of imaged's sources.
 *
 * Who knows what: client i alone uploads and deletes as user crash-<i>,
 * and names each upload c<i>-<n>.<ext>, n being the index of the upload
 * in its journal, so a listed record leads back to the request that made
 * it even when the 201 never arrived.  A client's journal is touched only
 * by its thread while the threads run and by the main thread in between;
 * the violation counter and the output are shared, under run.lock.
 * Requests cut off by the kill are "unknown": either outcome is allowed,
 * and the check after the restart settles which one happened, so the
 * journal is exact again before the next round.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#define MAXCLIENTS	64
#define MAXSAMPLES	16
#define BODY_CAP	(64u << 20)	/* largest response kept */
#define REQ_TIMEOUT	30L		/* seconds, any one request */
#define START_TIMEOUT	15.0		/* seconds to the URL file */
#define HEALTH_TIMEOUT	60.0		/* seconds to a 200 from /healthz */
#define STOP_TIMEOUT	20.0		/* seconds from SIGTERM to exit */
#define MAX_SHOWN	20		/* violations printed per round */
#define ID_LEN		36

/* --- SHA-256 (FIPS 180-4) ------------------------------------------------ */

struct sha256 {
	uint32_t	 h[8];
	uint64_t	 len;		/* bytes fed */
	unsigned char	 blk[64];
	size_t		 n;		/* bytes in blk */
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

static uint32_t
ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static void
sha256_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t	 w[64], a, b, c, d, e, f, g, h, t1, t2;
	int		 i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^
		    (w[i - 15] >> 3)) + w[i - 7] + (ror(w[i - 2], 17) ^
		    ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
	a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		    ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		    ((a & b) ^ (a & c) ^ (b & c));
		h = g, g = f, f = e, e = d + t1;
		d = c, c = b, b = a, a = t1 + t2;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d;
	s->h[4] += e, s->h[5] += f, s->h[6] += g, s->h[7] += h;
}

static void
sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->n = 0;
}

static void
sha256_feed(struct sha256 *s, const void *data, size_t n)
{
	const unsigned char	*p = data;
	size_t			 take;

	s->len += n;
	while (n > 0) {
		take = 64 - s->n < n ? 64 - s->n : n;
		memcpy(s->blk + s->n, p, take);
		s->n += take;
		p += take;
		n -= take;
		if (s->n == 64) {
			sha256_block(s, s->blk);
			s->n = 0;
		}
	}
}

/* Finish into hex, 64 digits and a NUL. */
static void
sha256_hex(struct sha256 *s, char hex[65])
{
	static const char	 digits[] = "0123456789abcdef";
	unsigned char		 pad[72] = { 0x80 };
	uint64_t		 bits = s->len * 8;
	size_t			 npad;
	int			 i;

	npad = (s->n < 56 ? 56 : 120) - s->n;
	for (i = 0; i < 8; i++)
		pad[npad + (size_t)i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_feed(s, pad, npad + 8);
	for (i = 0; i < 32; i++) {
		hex[2 * i] = digits[s->h[i / 4] >> (28 - 8 * (i % 4)) & 0xf];
		hex[2 * i + 1] =
		    digits[s->h[i / 4] >> (24 - 8 * (i % 4)) & 0xf];
	}
	hex[64] = '\0';
}

static void
sha256_of(const void *data, size_t n, char hex[65])
{
	struct sha256	 s;

	sha256_init(&s);
	sha256_feed(&s, data, n);
	sha256_hex(&s, hex);
}

/* FIPS 180-4's examples, and one across many blocks fed unevenly. */
static bool
sha256_selftest(void)
{
	static const char	 abc[] =
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	static const char	 two[] =
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
	static const char	 million[] =
	    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0";
	struct sha256		 s;
	char			 hex[65], a[1000];
	size_t			 i;

	sha256_of("abc", 3, hex);
	if (strcmp(hex, abc) != 0)
		return false;
	sha256_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, hex);
	if (strcmp(hex, two) != 0)
		return false;
	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	for (i = 0; i < 1000000; i += 1 + i % 997)
		sha256_feed(&s, a, 1 + i % 997 < 1000000 - i ?
		    1 + i % 997 : 1000000 - i);
	sha256_hex(&s, hex);
	return strcmp(hex, million) == 0;
}

/* --- small helpers ------------------------------------------------------- */

struct buf {
	char	*p;
	size_t	 len, cap;
	bool	 toobig;
};

static bool
buf_add(struct buf *b, const void *data, size_t n)
{
	char	*np;
	size_t	 ncap;

	if (n > BODY_CAP - b->len) {
		b->toobig = true;
		return false;
	}
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap == 0 ? 4096 : b->cap;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL)
			return false;
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return true;
}

static void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->toobig = false;
	if (b->p != NULL)
		b->p[0] = '\0';
}

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(unsigned ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* xorshift64*: each thread its own, seeded from the run's seed. */
static uint64_t
rnd(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 0x2545f4914f6cdd1dULL;
}

static unsigned
rnd_below(uint64_t *st, unsigned n)
{
	return n == 0 ? 0 : (unsigned)(rnd(st) % n);
}

static char *
b64_encode(const unsigned char *p, size_t n)
{
	static const char	 a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char			*out, *o;
	size_t			 i;
	uint32_t		 v;

	if ((out = malloc((n + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	o = out;
	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		*o++ = a[v >> 18];
		*o++ = a[v >> 12 & 63];
		*o++ = a[v >> 6 & 63];
		*o++ = a[v & 63];
	}
	if (i < n) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = a[v >> 18];
		*o++ = a[v >> 12 & 63];
		*o++ = i + 1 < n ? a[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static bool
read_file(const char *path, unsigned char **data, size_t *len)
{
	struct buf	 b = { 0 };
	char		 chunk[4096];
	size_t		 n;
	FILE		*fp;
	bool		 ok = false;

	if ((fp = fopen(path, "rb")) == NULL)
		return false;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (!buf_add(&b, chunk, n))
			goto done;
	ok = !ferror(fp) && b.len > 0;
done:
	fclose(fp);
	if (!ok) {
		free(b.p);
		return false;
	}
	*data = (unsigned char *)b.p;
	*len = b.len;
	return true;
}

/* --- the run and its journal --------------------------------------------- */

/*
 * An upload's life.  FAILED and GONE must not exist; LIVE must; UNKNOWN
 * and DEL_UNKNOWN may or may not, until the check after the restart says.
 */
enum up_state {
	UP_FAILED,	/* refused, or found absent after no answer */
	UP_UNKNOWN,	/* sent, no answer */
	UP_LIVE,	/* 201, or found after an unknown outcome */
	UP_DEL_UNKNOWN,	/* delete sent, no answer */
	UP_DELETED,	/* delete answered 200 */
	UP_GONE		/* found absent after an unknown delete */
};

enum form { FORM_JSON, FORM_MULTIPART, FORM_RAW, NFORMS };
static const char *const form_names[NFORMS] = { "json", "multipart", "raw" };

struct upload {
	char		 id[ID_LEN + 1];	/* "" until known */
	char		 sha[65];
	size_t		 size;
	unsigned	 del_round;	/* round of the 200 to its delete */
	unsigned char	 state;		/* enum up_state */
	unsigned char	 form;
	bool		 seen;		/* scratch, while matching a listing */
	bool		 broken;	/* reported wrong once: not again */
};

struct stats {
	unsigned long	 ops, acked, unknown;
	unsigned long	 uploads, deletes, lists;
	unsigned long	 settled_done, settled_not;	/* unknowns, after */
};

/* Image ids seen in a listing. */
struct idlist {
	char		**ids;
	size_t		  n, cap;
};

static void
idlist_add(struct idlist *l, const char *id)
{
	char	**np;
	size_t	  ncap;

	if (l->n == l->cap) {
		ncap = l->cap == 0 ? 1024 : l->cap * 2;
		if ((np = realloc(l->ids, ncap * sizeof(*np))) == NULL)
			return;
		l->ids = np;
		l->cap = ncap;
	}
	if ((l->ids[l->n] = strdup(id)) != NULL)
		l->n++;
}

static void
idlist_clear(struct idlist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->ids[i]);
	l->n = 0;
}

struct sample {
	const char	*ext;
	const char	*mime;
	unsigned char	*data;
	size_t		 len;
};

struct run;

struct client {
	struct run	*run;
	int		 idx;
	char		 user[24];
	CURL		*curl;
	uint64_t	 rng;
	struct upload	*ups;
	size_t		 nups, capups;
	size_t		*live;		/* indexes of LIVE uploads */
	size_t		 nlive, caplive;
	struct stats	 st;		/* this round */
	struct idlist	 listed;	/* by the check after the restart */
	struct buf	 body;
	const char	*err;		/* why the last request got no answer */
	pthread_t	 thread;
};

struct run {
	const char	*imaged;
	char		 work[PATH_MAX];
	char		 data[PATH_MAX];
	char		 urlfile[PATH_MAX];
	char		 log[PATH_MAX];
	char		 base[256];
	pid_t		 pid;
	int		 nclients;
	unsigned	 round;
	unsigned	 min_ms, max_ms;
	bool		 verbose;
	struct timespec	 started;	/* wall clock just before the start */
	bool		 no_check_cmd;
	struct sample	 samples[MAXSAMPLES];
	int		 nsamples;
	atomic_bool	 stop;
	pthread_mutex_t	 lock;
	unsigned long	 violations;	/* this round, under lock */
	struct client	 clients[MAXCLIENTS];
};

static void
say(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void
violation(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct run *r, const char *fmt, ...)
{
	va_list	 ap;

	pthread_mutex_lock(&r->lock);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&r->lock);
}

static void
violation(struct run *r, const char *fmt, ...)
{
	va_list	 ap;

	pthread_mutex_lock(&r->lock);
	r->violations++;
	if (r->violations <= MAX_SHOWN) {
		printf("  VIOLATION (round %u): ", r->round);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
		fflush(stdout);
	}
	pthread_mutex_unlock(&r->lock);
}

static struct upload *
new_upload(struct client *c, size_t *idx)
{
	struct upload	*np;
	size_t		 ncap;

	if (c->nups == c->capups) {
		ncap = c->capups == 0 ? 256 : c->capups * 2;
		if ((np = realloc(c->ups, ncap * sizeof(*np))) == NULL)
			return NULL;
		c->ups = np;
		c->capups = ncap;
	}
	*idx = c->nups;
	np = &c->ups[c->nups++];
	memset(np, 0, sizeof(*np));
	return np;
}

static bool
live_add(struct client *c, size_t idx)
{
	size_t	*np, ncap;

	if (c->nlive == c->caplive) {
		ncap = c->caplive == 0 ? 256 : c->caplive * 2;
		if ((np = realloc(c->live, ncap * sizeof(*np))) == NULL)
			return false;
		c->live = np;
		c->caplive = ncap;
	}
	c->live[c->nlive++] = idx;
	return true;
}

/* --- HTTP ---------------------------------------------------------------- */

/*
 * A refused connection is no proof that a request went unseen: curl
 * sends again on a fresh connection when a kept-alive one dies before
 * any answer, so the first copy may have been read and acted on.  Any
 * transfer that fails is therefore an unknown outcome.
 */
enum outcome {
	ANSWERED,	/* a status came back */
	LOST		/* no answer: it may or may not have happened */
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	/* A short count makes curl fail the transfer: too big is an error. */
	return buf_add(b, p, size * n) ? size * n : 0;
}

/*
 * One request on c's handle (its connection is kept alive across calls).
 * method NULL is GET; body with n bytes, or mime, or neither.  The answer
 * is in c->body, the status in *status.
 */
static enum outcome
http(struct client *c, const char *method, const char *url,
    const char *ctype, const void *body, size_t n, curl_mime *mime,
    long *status)
{
	struct curl_slist	*hdrs = NULL;
	char			 h[128];
	CURLcode		 rc;

	*status = 0;
	buf_reset(&c->body);
	curl_easy_reset(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, REQ_TIMEOUT);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->body);
	/* No Expect: 100-continue: the body goes at once. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (ctype != NULL) {
		snprintf(h, sizeof(h), "Content-Type: %s", ctype);
		hdrs = curl_slist_append(hdrs, h);
	}
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hdrs);
	if (mime != NULL)
		curl_easy_setopt(c->curl, CURLOPT_MIMEPOST, mime);
	else if (body != NULL) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)n);
	}
	if (method != NULL && mime == NULL && body == NULL)
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	rc = curl_easy_perform(c->curl);
	curl_slist_free_all(hdrs);
	if (rc == CURLE_OK) {
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, status);
		return ANSWERED;
	}
	c->err = c->body.toobig ? "answer too large" : curl_easy_strerror(rc);
	return LOST;
}

/* No answer while the daemon should be up is a violation. */
static void
lost(struct client *c, const char *what, const char *name)
{
	if (!atomic_load(&c->run->stop))
		violation(c->run, "%s %s: no answer: %s", what, name, c->err);
}

/* The body as JSON, or NULL (and a violation when one is wanted). */
static json_t *
body_json(struct client *c, const char *what)
{
	json_t		*j;
	json_error_t	 err;

	j = json_loadb(c->body.p == NULL ? "" : c->body.p, c->body.len, 0,
	    &err);
	if (j == NULL && what != NULL)
		violation(c->run, "%s: answer is not JSON: %s", what, err.text);
	return j;
}

static const char *
jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* --- the load ------------------------------------------------------------ */

/* The upload a record names by its filename, or NULL. */
static struct upload *
upload_of(struct client *c, const json_t *rec)
{
	const char	*fn = jstr(rec, "filename"), *p;
	char		 prefix[16], *end;
	unsigned long	 idx;

	snprintf(prefix, sizeof(prefix), "c%02d-", c->idx);
	if (fn == NULL || strncmp(fn, prefix, strlen(prefix)) != 0)
		return NULL;
	p = fn + strlen(prefix);
	errno = 0;
	idx = strtoul(p, &end, 10);
	if (errno != 0 || end == p || *end != '.' || idx >= c->nups)
		return NULL;
	return &c->ups[idx];
}

/* The record's checksum and size are those of what was sent. */
static bool
check_record(struct client *c, const json_t *rec, const struct upload *u,
    const char *what)
{
	const char	*sum = jstr(rec, "checksum_sha256");
	json_t		*size = json_object_get(rec, "file_size");
	bool		 ok = true;

	if (sum == NULL || strcmp(sum, u->sha) != 0) {
		violation(c->run, "%s %s: checksum_sha256 %s, sent %s", what,
		    u->id, sum == NULL ? "missing" : sum, u->sha);
		ok = false;
	}
	if (!json_is_integer(size) ||
	    (size_t)json_integer_value(size) != u->size) {
		violation(c->run, "%s %s: file_size %lld, sent %zu", what,
		    u->id, (long long)json_integer_value(size), u->size);
		ok = false;
	}
	return ok;
}

static void
op_upload(struct client *c)
{
	struct run		*r = c->run;
	const struct sample	*smp;
	struct upload		*u;
	unsigned char		*payload = NULL;
	char			*b64 = NULL, *json = NULL, url[512], fname[64];
	curl_mime		*mime = NULL;
	curl_mimepart		*part;
	json_t			*rec = NULL;
	const char		*id;
	size_t			 idx, tail, i, n;
	long			 status;
	enum outcome		 out;
	unsigned		 pick;

	smp = &r->samples[rnd_below(&c->rng, (unsigned)r->nsamples)];
	/* Mostly small; some big enough to be cut off mid-write. */
	pick = rnd_below(&c->rng, 100);
	if (pick < 70)
		tail = rnd_below(&c->rng, 2048);
	else if (pick < 95)
		tail = 2048 + rnd_below(&c->rng, 62 * 1024);
	else
		tail = 64 * 1024 + rnd_below(&c->rng, 960 * 1024);
	if ((u = new_upload(c, &idx)) == NULL ||
	    (payload = malloc(smp->len + tail)) == NULL)
		goto oom;
	memcpy(payload, smp->data, smp->len);
	for (i = 0; i < tail; i += 8) {
		uint64_t v = rnd(&c->rng);

		memcpy(payload + smp->len + i, &v, tail - i < 8 ? tail - i : 8);
	}
	u->size = smp->len + tail;
	sha256_of(payload, u->size, u->sha);
	u->form = (unsigned char)rnd_below(&c->rng, NFORMS);
	u->state = UP_UNKNOWN;
	snprintf(fname, sizeof(fname), "c%02d-%zu.%s", c->idx, idx, smp->ext);
	c->st.ops++;
	c->st.uploads++;

	switch (u->form) {
	case FORM_JSON:
		if ((b64 = b64_encode(payload, u->size)) == NULL)
			goto oom;
		n = strlen(b64) + 256;
		if ((json = malloc(n)) == NULL)
			goto oom;
		snprintf(json, n, "{\"user_id\": \"%s\", \"filename\": \"%s\", "
		    "\"image_data\": \"%s\"}", c->user, fname, b64);
		snprintf(url, sizeof(url), "%s/images", r->base);
		out = http(c, "POST", url, "application/json", json,
		    strlen(json), NULL, &status);
		break;
	case FORM_MULTIPART:
		if ((mime = curl_mime_init(c->curl)) == NULL)
			goto oom;
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "user_id");
		curl_mime_data(part, c->user, CURL_ZERO_TERMINATED);
		part = curl_mime_addpart(mime);
		curl_mime_name(part, "file");
		curl_mime_filename(part, fname);
		curl_mime_type(part, smp->mime);
		curl_mime_data(part, (const char *)payload, u->size);
		snprintf(url, sizeof(url), "%s/images", r->base);
		out = http(c, "POST", url, NULL, NULL, 0, mime, &status);
		break;
	default:
		snprintf(url, sizeof(url), "%s/images?user_id=%s&filename=%s",
		    r->base, c->user, fname);
		out = http(c, "POST", url, smp->mime, payload, u->size, NULL,
		    &status);
		break;
	}

	if (out == LOST) {
		c->st.unknown++;
		lost(c, "upload", fname);
		goto done;
	}
	if (status != 201) {
		u->state = UP_FAILED;
		violation(r, "upload %s (%s, %zu bytes): status %ld: %.200s",
		    fname, form_names[u->form], u->size, status,
		    c->body.p == NULL ? "" : c->body.p);
		goto done;
	}
	c->st.acked++;
	/*
	 * The 201 promises the image: it counts as live even if the answer
	 * is malformed, so that the check after the restart looks for it.
	 */
	u->state = UP_LIVE;
	if ((rec = body_json(c, fname)) == NULL)
		goto done;
	id = jstr(rec, "image_id");
	if (id == NULL || strlen(id) != ID_LEN) {
		violation(r, "upload %s: 201 without a valid image_id", fname);
		goto done;
	}
	memcpy(u->id, id, ID_LEN + 1);
	check_record(c, rec, u, "upload");
	if (!live_add(c, idx))
		goto oom;
	goto done;
oom:
	violation(r, "crashtest: out of memory");
	atomic_store(&r->stop, true);
done:
	json_decref(rec);
	curl_mime_free(mime);
	free(json);
	free(b64);
	free(payload);
}

static void
op_delete(struct client *c)
{
	struct run	*r = c->run;
	struct upload	*u;
	char		 url[512];
	size_t		 k, idx;
	long		 status;
	enum outcome	 out;

	k = rnd_below(&c->rng, (unsigned)c->nlive);
	idx = c->live[k];
	c->live[k] = c->live[--c->nlive];
	u = &c->ups[idx];
	u->state = UP_DEL_UNKNOWN;
	c->st.ops++;
	c->st.deletes++;
	snprintf(url, sizeof(url), "%s/images/%s", r->base, u->id);
	out = http(c, "DELETE", url, NULL, NULL, 0, NULL, &status);
	if (out == LOST) {
		c->st.unknown++;
		lost(c, "delete", u->id);
		return;
	}
	if (status == 200) {
		c->st.acked++;
		u->state = UP_DELETED;
		u->del_round = r->round;
		return;
	}
	violation(r, "delete of live %s: status %ld: %.200s", u->id, status,
	    c->body.p == NULL ? "" : c->body.p);
	u->state = status == 404 ? UP_GONE : UP_DEL_UNKNOWN;
}

/*
 * Page through the user's images (limit per page), calling each record.
 * False when a page failed (a violation unless the daemon is being
 * killed, reported here).
 */
static bool
list_all(struct client *c, const char *user, unsigned limit,
    void (*each)(struct client *, const json_t *, void *), void *arg)
{
	struct run	*r = c->run;
	json_t		*page = NULL, *imgs, *rec;
	const char	*next;
	char		*key = NULL, *url = NULL;
	size_t		 i, n;
	long		 status;
	enum outcome	 out;
	bool		 ok = false;
	unsigned	 pages = 0;

	for (;;) {
		n = strlen(r->base) + 128 + (key == NULL ? 0 : strlen(key));
		free(url);
		if ((url = malloc(n)) == NULL)
			goto done;
		snprintf(url, n, "%s/images?limit=%u%s%s%s%s", r->base, limit,
		    user == NULL ? "" : "&user_id=", user == NULL ? "" : user,
		    key == NULL ? "" : "&last_evaluated_key=",
		    key == NULL ? "" : key);
		out = http(c, NULL, url, NULL, NULL, 0, NULL, &status);
		if (out != ANSWERED) {
			lost(c, "list", user == NULL ? "(all)" : user);
			goto done;
		}
		if (status != 200) {
			violation(r, "list %s: status %ld: %.200s",
			    user == NULL ? "(all)" : user, status,
			    c->body.p == NULL ? "" : c->body.p);
			goto done;
		}
		json_decref(page);
		if ((page = body_json(c, "list")) == NULL)
			goto done;
		imgs = json_object_get(page, "images");
		if (!json_is_array(imgs)) {
			violation(r, "list: no images array");
			goto done;
		}
		json_array_foreach(imgs, i, rec)
			each(c, rec, arg);
		next = jstr(page, "last_evaluated_key");
		if (next == NULL)
			break;
		if (json_array_size(imgs) == 0)
			violation(r, "list: empty page with a cursor");
		if (++pages > 100000) {
			violation(r, "list: does not end");
			goto done;
		}
		curl_free(key);
		if ((key = curl_easy_escape(c->curl, next, 0)) == NULL)
			goto done;
	}
	ok = true;
done:
	curl_free(key);
	free(url);
	json_decref(page);
	return ok;
}

/*
 * While the load runs, a user's listing is exactly its live uploads: only
 * this thread changes them, and none of its requests is in flight.
 */
static void
load_list_each(struct client *c, const json_t *rec, void *arg)
{
	struct upload	*u = upload_of(c, rec);
	const char	*id = jstr(rec, "image_id");

	(void)arg;
	if (u != NULL && u->broken && u->state != UP_LIVE)
		return;		/* reported when it was found */
	if (u == NULL || u->state != UP_LIVE || id == NULL ||
	    strcmp(id, u->id) != 0) {
		violation(c->run, "list %s: unexpected image %s (%s)%s",
		    c->user, id == NULL ? "?" : id,
		    jstr(rec, "filename") == NULL ? "?" :
		    jstr(rec, "filename"), u != NULL &&
		    u->state == UP_DELETED ? ": its delete got a 200" : "");
		if (u != NULL && u->state != UP_LIVE)
			u->broken = true;
		return;
	}
	if (u->seen) {
		violation(c->run, "list %s: %s listed twice", c->user, id);
		return;
	}
	u->seen = true;
}

static void
op_list(struct client *c)
{
	unsigned	 limit = 5 + rnd_below(&c->rng, 96);
	size_t		 i;
	bool		 complete;

	c->st.ops++;
	c->st.lists++;
	complete = list_all(c, c->user, limit, load_list_each, NULL);
	if (complete)
		c->st.acked++;
	for (i = 0; i < c->nlive; i++) {
		struct upload *u = &c->ups[c->live[i]];

		if (!u->seen && complete)
			violation(c->run, "list %s: live %s missing", c->user,
			    u->id);
		u->seen = false;
	}
}

static void *
load_main(void *arg)
{
	struct client	*c = arg;
	unsigned	 pick;

	while (!atomic_load(&c->run->stop)) {
		pick = rnd_below(&c->rng, 100);
		if (pick < 45 || (pick < 75 && c->nlive == 0))
			op_upload(c);
		else if (pick < 75)
			op_delete(c);
		else
			op_list(c);
	}
	return NULL;
}

/* --- the check after a restart ------------------------------------------- */

/* GET url; true when the status is want (and, with sha, the bytes hash). */
static bool
fetch(struct client *c, const char *url, long want, const char *sha,
    long *status)
{
	char	 got[65];

	if (http(c, NULL, url, NULL, NULL, 0, NULL, status) != ANSWERED)
		*status = -1;
	if (*status != want)
		return false;
	if (sha == NULL)
		return true;
	sha256_of(c->body.p == NULL ? "" : c->body.p, c->body.len, got);
	return strcmp(got, sha) == 0;
}

static void
verify_each(struct client *c, const json_t *rec, void *arg)
{
	struct upload	*u;
	const char	*id = jstr(rec, "image_id"), *url;
	const char	*fn = jstr(rec, "filename");
	long		 status;

	(void)arg;
	if (id == NULL || strlen(id) != ID_LEN) {
		violation(c->run, "list %s: record without image_id", c->user);
		return;
	}
	idlist_add(&c->listed, id);
	if ((u = upload_of(c, rec)) == NULL) {
		violation(c->run, "list %s: %s (%s) matches no upload", c->user,
		    id, fn == NULL ? "?" : fn);
		return;
	}
	if (u->seen) {
		violation(c->run, "list %s: %s (%s) listed twice", c->user, id,
		    fn);
		return;
	}
	u->seen = true;
	switch (u->state) {
	case UP_UNKNOWN:
		/* The upload happened though its answer was lost. */
		memcpy(u->id, id, ID_LEN + 1);
		u->state = UP_LIVE;
		c->st.settled_done++;
		break;
	case UP_DEL_UNKNOWN:
		c->st.settled_not++;
		u->state = UP_LIVE;
		break;
	case UP_LIVE:
		break;
	case UP_DELETED:
		if (!u->broken)
			violation(c->run, "%s (%s): delete answered 200 in "
			    "round %u, listed after the restart", id, fn,
			    u->del_round);
		u->broken = true;
		return;
	default:
		if (!u->broken)
			violation(c->run, "%s (%s): listed, but its upload "
			    "was refused or it was found gone before", id, fn);
		u->broken = true;
		return;
	}
	if (u->id[0] != '\0' && strcmp(u->id, id) != 0) {
		violation(c->run, "%s: listed as %s, answered as %s", fn, id,
		    u->id);
		return;
	}
	/* A damaged image is reported in the round that finds it. */
	if (u->broken)
		return;
	if (!check_record(c, rec, u, "listed"))
		u->broken = true;
	else if ((url = jstr(rec, "download_url")) == NULL) {
		violation(c->run, "%s: no download_url", id);
		u->broken = true;
	} else if (!fetch(c, url, 200, u->sha, &status)) {
		violation(c->run, "%s (%s, %s upload): download_url %s (%ld)",
		    id, fn, form_names[u->form],
		    status == 200 ? "bytes differ from those sent" :
		    status == 404 ? "the file is missing" : "failed", status);
		u->broken = true;
	}
}

/*
 * Settle this client's unknowns against its listing and check the
 * acknowledged outcomes, then rebuild its live set.
 */
static void *
verify_main(void *arg)
{
	struct client	*c = arg;
	struct run	*r = c->run;
	struct upload	*u;
	char		 url[512];
	long		 status;
	size_t		 i;

	if (!list_all(c, c->user, 100, verify_each, NULL))
		violation(r, "list %s: could not list after the restart",
		    c->user);
	c->nlive = 0;
	for (i = 0; i < c->nups; i++) {
		u = &c->ups[i];
		snprintf(url, sizeof(url), "%s/images/%s", r->base, u->id);
		if (u->seen) {
			u->seen = false;
			if (u->state != UP_LIVE)
				continue;
			live_add(c, i);
			if (!fetch(c, url, 200, NULL, &status))
				violation(r, "%s: listed, but GET is %ld",
				    u->id, status);
			continue;
		}
		switch (u->state) {
		case UP_LIVE:
			fetch(c, url, 200, NULL, &status);
			violation(r, "%s (c%02d-%zu, %s upload answered 201): "
			    "not listed after the restart, GET is %ld", u->id,
			    c->idx, i, form_names[u->form], status);
			u->state = UP_GONE;
			break;
		case UP_UNKNOWN:
			c->st.settled_not++;
			u->state = UP_FAILED;
			break;
		case UP_DEL_UNKNOWN:
			c->st.settled_done++;
			u->state = UP_GONE;
			break;
		case UP_DELETED:
			if (u->del_round == r->round &&
			    !fetch(c, url, 404, NULL, &status))
				violation(r, "%s: delete answered 200, GET "
				    "is %ld after the restart", u->id, status);
			break;
		default:
			break;
		}
	}
	return NULL;
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
global_each(struct client *c, const json_t *rec, void *arg)
{
	const char	*id = jstr(rec, "image_id");

	(void)c;
	if (id != NULL)
		idlist_add(arg, id);
}

/* --- files imaged did not write ------------------------------------------- */

/* Under the bucket; crash-00 is client 0's own folder. */
static const char *const planted[] = {
	"README.md",
	"backups/2024/photo.jpg",
	"images/visitor/notes.txt",
	"images/visitor/0b5ae1d2-3f4a-4b6c-8d9e-0f1a2b3c4d5e.png",
	"images/crash-00/7c1f2e3d-4b5a-4c6d-8e7f-9a0b1c2d3e4f.png",
};
#define NPLANTED	(sizeof(planted) / sizeof(planted[0]))

static bool
is_planted(const char *key)
{
	size_t	 i;

	for (i = 0; i < NPLANTED; i++)
		if (strcmp(planted[i], key) == 0)
			return true;
	return false;
}

/* mkdir -p of the folders of path (not path itself). */
static void
make_parents(const char *path)
{
	char	 p[PATH_MAX + 300], *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(p, 0700);
		*s = '/';
	}
}

/* Each planted file holds the first sample and then its own key. */
static void
planted_bytes(struct run *r, size_t i, struct buf *b)
{
	buf_reset(b);
	buf_add(b, r->samples[0].data, r->samples[0].len);
	buf_add(b, planted[i], strlen(planted[i]));
}

static void
plant_files(struct run *r)
{
	struct buf	 b = { NULL, 0, 0, false };
	char		 path[PATH_MAX + 300];
	size_t		 i;
	FILE		*fp;
	/*
	 * Old, as a bucket copied in is: `imaged check` skips the
	 * last minute.
	 */
	struct timespec	 old[2] = { { time(NULL) - 7200, 0 },
			    { time(NULL) - 7200, 0 } };

	for (i = 0; i < NPLANTED; i++) {
		snprintf(path, sizeof(path), "%s/image-storage-bucket/%s",
		    r->data, planted[i]);
		make_parents(path);
		planted_bytes(r, i, &b);
		if ((fp = fopen(path, "w")) == NULL ||
		    fwrite(b.p, 1, b.len, fp) != b.len || fclose(fp) != 0 ||
		    utimensat(AT_FDCWD, path, old, 0) != 0) {
			fprintf(stderr, "crashtest: %s: %s\n", path,
			    strerror(errno));
			exit(2);
		}
	}
	free(b.p);
}

/* Every planted file, byte for byte, under dir/ (the bucket or lost+found). */
static void
verify_planted(struct run *r, const char *dir, const char *when)
{
	struct buf	 b = { NULL, 0, 0, false };
	char		 path[PATH_MAX + 300];
	unsigned char	*got;
	size_t		 i, n;

	for (i = 0; i < NPLANTED; i++) {
		snprintf(path, sizeof(path), "%s/%s/%s", r->data, dir,
		    planted[i]);
		planted_bytes(r, i, &b);
		if (!read_file(path, &got, &n)) {
			violation(r, "%s: %s is gone", when, path);
			continue;
		}
		if (n != b.len || memcmp(got, b.p, n) != 0)
			violation(r, "%s: %s was changed", when, path);
		free(got);
	}
	free(b.p);
}

/* What the journals know of an image id, for a violation's message. */
static const char *
history(struct run *r, const char *id)
{
	static const char *const what[] = {
		[UP_FAILED] = "its upload was refused",
		[UP_UNKNOWN] = "its upload got no answer",
		[UP_LIVE] = "its upload got a 201",
		[UP_DEL_UNKNOWN] = "its delete got no answer",
		[UP_DELETED] = "its delete got a 200",
		[UP_GONE] = "found gone after its delete got no answer"
	};
	size_t	 i;
	int	 k;

	for (k = 0; k < r->nclients; k++)
		for (i = 0; i < r->clients[k].nups; i++)
			if (strcmp(r->clients[k].ups[i].id, id) == 0)
				return what[r->clients[k].ups[i].state];
	return "no answer named it (an upload cut off after its file "
	    "was stored)";
}

/*
 * Files in dir (the folder of key prefix `prefix`) that are not named
 * "<live id>.<ext>" and were not planted; -1 if unreadable.  With show,
 * each is a violation, dated against the daemon's start: a file older
 * than the start is a crash's leftover that the start should have
 * recovered.
 */
static long
count_orphans(const char *dir, const char *prefix, char **live, size_t nlive,
    bool show, struct run *r)
{
	char		 fullkey[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	char		 id[ID_LEN + 1], *key = id;
	double		 age;
	long		 n = 0;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(fullkey, sizeof(fullkey), "%s%s", prefix, de->d_name);
		if (is_planted(fullkey))
			continue;
		snprintf(id, sizeof(id), "%.*s", ID_LEN, de->d_name);
		if (nlive > 0 && strlen(de->d_name) > ID_LEN &&
		    de->d_name[ID_LEN] == '.' &&
		    bsearch(&key, live, nlive, sizeof(*live), cmp_id) != NULL)
			continue;
		n++;
		if (!show)
			continue;
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1) {
			violation(r, "file %s/%s has no image after the "
			    "restart", dir, de->d_name);
			continue;
		}
		age = (double)(r->started.tv_sec - sb.st_mtim.tv_sec) +
		    (double)(r->started.tv_nsec - sb.st_mtim.tv_nsec) / 1e9;
		violation(r, "file %s/%s has no image after the restart; "
		    "written %.3f s %s the daemon started; %s", dir,
		    de->d_name, age < 0 ? -age : age,
		    age < 0 ? "after" : "before", history(r, id));
	}
	closedir(d);
	return n;
}

/* The whole store: one listing of every user, and the files on disk. */
static void
verify_store(struct run *r, struct client *mc)
{
	struct idlist	 g = { NULL, 0, 0 };
	char		 path[PATH_MAX + 300], **users = NULL;
	size_t		 i, j, nusers = 0;
	long		 n;
	DIR		*d;
	struct dirent	*de;
	int		 k;

	if (!list_all(mc, NULL, 100, global_each, &g))
		violation(r, "list (all): could not list after the restart");
	/* The listing of all is the union of the users' listings. */
	for (k = 0; k < r->nclients; k++)
		nusers += r->clients[k].listed.n;
	if (nusers > 0 && (users = calloc(nusers, sizeof(*users))) == NULL) {
		violation(r, "crashtest: out of memory");
		goto done;
	}
	for (k = 0, nusers = 0; k < r->nclients; k++)
		for (j = 0; j < r->clients[k].listed.n; j++)
			users[nusers++] = r->clients[k].listed.ids[j];
	if (nusers > 0)
		qsort(users, nusers, sizeof(*users), cmp_id);
	if (g.n > 0)
		qsort(g.ids, g.n, sizeof(*g.ids), cmp_id);
	for (i = 0; i < g.n; i++) {
		if (i > 0 && strcmp(g.ids[i - 1], g.ids[i]) == 0)
			violation(r, "list (all): %s listed twice", g.ids[i]);
		if (nusers == 0 || bsearch(&g.ids[i], users, nusers,
		    sizeof(*users), cmp_id) == NULL)
			violation(r, "list (all): %s is in no user's listing",
			    g.ids[i]);
	}
	if (g.n != nusers)
		violation(r, "list (all): %zu images, the users' listings "
		    "have %zu", g.n, nusers);

	snprintf(path, sizeof(path), "%s/tmp", r->data);
	if ((n = count_orphans(path, "", NULL, 0, false, r)) != 0)
		violation(r, "%ld file(s) left in %s after the restart", n,
		    path);
	snprintf(path, sizeof(path), "%s/image-storage-bucket/images",
	    r->data);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char	 sub[PATH_MAX + 600], prefix[300];

			if (de->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
			snprintf(prefix, sizeof(prefix), "images/%s/",
			    de->d_name);
			/* each one is a violation, reported by count_orphans */
			(void)count_orphans(sub, prefix, g.ids, g.n, true, r);
		}
		closedir(d);
	}
	verify_planted(r, "image-storage-bucket", "after the restart");
done:
	free(users);
	for (k = 0; k < r->nclients; k++)
		idlist_clear(&r->clients[k].listed);
	idlist_clear(&g);
	free(g.ids);
}

/* --- the daemon ---------------------------------------------------------- */

static void
show_log(struct run *r)
{
	char	 line[1024];
	FILE	*fp;
	long	 total = 0, skip;

	if ((fp = fopen(r->log, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		total++;
	rewind(fp);
	skip = total > 20 ? total - 20 : 0;
	printf("  --- last lines of %s\n", r->log);
	while (fgets(line, sizeof(line), fp) != NULL)
		if (skip-- <= 0)
			printf("  %s", line);
	fclose(fp);
}

/* Run argv with output to out (appended to by the child); its status. */
static pid_t
spawn(const char *const argv[], const char *out, bool trunc)
{
	pid_t	 pid;
	int	 fd;

	fflush(NULL);
	if ((pid = fork()) != 0)
		return pid;
	/* Never outlive the test, whatever becomes of it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(out, O_WRONLY | O_CREAT | (trunc ? O_TRUNC : O_APPEND) |
	    O_CLOEXEC, 0644);
	if (fd != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	execv(argv[0], (char *const *)(uintptr_t)argv);
	_exit(127);
}

/* Wait for pid until timeout seconds pass; false if it is still running. */
static bool
wait_exit(pid_t pid, double timeout, int *status)
{
	double	 end = now() + timeout;
	pid_t	 w;

	for (;;) {
		w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			return true;
		if (w == -1 && errno != EINTR)
			return true;
		if (now() > end)
			return false;
		sleep_ms(5);
	}
}

/* Start the daemon and wait for it to answer. */
static bool
daemon_start(struct run *r, struct client *mc)
{
	const char	*argv[] = { r->imaged, "--data-dir", r->data, "--port",
	    "0", "--url-file", r->urlfile, NULL };
	char		 prev[PATH_MAX + 8], url[300];
	unsigned char	*u;
	size_t		 n;
	double		 end;
	long		 status;
	int		 ws;

	unlink(r->urlfile);
	snprintf(prev, sizeof(prev), "%s.prev", r->log);
	rename(r->log, prev);
	clock_gettime(CLOCK_REALTIME, &r->started);
	if ((r->pid = spawn(argv, r->log, true)) == -1) {
		violation(r, "cannot fork: %s", strerror(errno));
		return false;
	}
	end = now() + START_TIMEOUT;
	while (!read_file(r->urlfile, &u, &n)) {
		if (waitpid(r->pid, &ws, WNOHANG) == r->pid) {
			r->pid = -1;
			violation(r, "the daemon exited at start (status %d)",
			    WIFEXITED(ws) ? WEXITSTATUS(ws) : -WTERMSIG(ws));
			show_log(r);
			return false;
		}
		if (now() > end) {
			violation(r, "the daemon wrote no URL file in %.0f s",
			    START_TIMEOUT);
			show_log(r);
			return false;
		}
		sleep_ms(5);
	}
	snprintf(r->base, sizeof(r->base), "%.*s", (int)n, (char *)u);
	free(u);

	snprintf(url, sizeof(url), "%s/healthz", r->base);
	end = now() + HEALTH_TIMEOUT;
	for (;;) {
		if (http(mc, NULL, url, NULL, NULL, 0, NULL, &status) ==
		    ANSWERED && status == 200)
			return true;
		if (now() > end) {
			violation(r, "/healthz not 200 within %.0f s",
			    HEALTH_TIMEOUT);
			show_log(r);
			return false;
		}
		sleep_ms(10);
	}
}

/*
 * `imaged --data-dir D check [--repair]`: true when it calls the store
 * clean, or finds exactly the planted files as its only problems, each
 * named as unknown.
 */
static bool
store_check(struct run *r, bool repair, bool planted_there, bool show)
{
	const char	*argv[] = { r->imaged, "--data-dir", r->data, "check",
	    repair ? "--repair" : NULL, NULL };
	char		 out[PATH_MAX + 16], line[1024], key[1024];
	pid_t		 pid;
	int		 ws;
	bool		 clean, unknown = false, other = false;
	unsigned long	 problems = 0, planted_seen = 0;
	FILE		*fp;

	if (r->no_check_cmd)
		return true;
	snprintf(out, sizeof(out), "%s/check.out", r->work);
	if ((pid = spawn(argv, out, true)) == -1 ||
	    !wait_exit(pid, 300, &ws)) {
		violation(r, "imaged check did not finish");
		if (pid > 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &ws, 0);
		}
		return false;
	}
	clean = WIFEXITED(ws) && WEXITSTATUS(ws) == 0;
	if ((fp = fopen(out, "r")) != NULL) {
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (strstr(line, "unknown command") != NULL)
				unknown = true;
			/* "name   N (what)" lines are counts, not problems */
			if (strstr(line, " (") != NULL)
				;
			else if (sscanf(line, "unknown %1023s", key) == 1 &&
			    is_planted(key))
				planted_seen++;
			else if (sscanf(line, "%lu problem", &problems) != 1 &&
			    (strncmp(line, "missing ", 8) == 0 ||
			    strncmp(line, "size ", 5) == 0 ||
			    strncmp(line, "checksum ", 9) == 0 ||
			    strncmp(line, "unknown ", 8) == 0))
				other = true;
			if (show || (!clean && other))
				printf("  check: %s", line);
		}
		fclose(fp);
	}
	if (!clean && unknown) {
		say(r, "  note: this imaged has no check command; skipped");
		r->no_check_cmd = true;
		return true;
	}
	if (!repair && planted_there && !clean && !other &&
	    planted_seen == NPLANTED && problems == NPLANTED)
		return true;	/* the planted files alone, as they should be */
	if (!clean)
		violation(r, "imaged check%s: status %d, not clean",
		    repair ? " --repair" : "",
		    WIFEXITED(ws) ? WEXITSTATUS(ws) : -WTERMSIG(ws));
	else if (!repair && planted_there && planted_seen != NPLANTED)
		violation(r, "imaged check: %lu of %zu planted files listed "
		    "as unknown", planted_seen, NPLANTED);
	return clean;
}

/* --- main ---------------------------------------------------------------- */

static const char *
mime_of(const char *ext)
{
	static const char *const map[][2] = {
		{ "png", "image/png" }, { "jpg", "image/jpeg" },
		{ "jpeg", "image/jpeg" }, { "gif", "image/gif" },
		{ "webp", "image/webp" }
	};
	size_t	 i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(ext, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static void
usage(void)
{
	fprintf(stderr, "usage: crashtest [-v] [-r rounds] [-c clients] "
	    "[-s seed] [-m min_ms] [-M max_ms]\n"
	    "                 imaged workdir sample...\n");
	exit(2);
}

static unsigned long
number(const char *s, unsigned long min, unsigned long max)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		usage();
	return v;
}

static void
round_stats(struct run *r, struct stats *sum)
{
	int	 k;

	memset(sum, 0, sizeof(*sum));
	for (k = 0; k < r->nclients; k++) {
		struct stats *s = &r->clients[k].st;

		sum->ops += s->ops;
		sum->acked += s->acked;
		sum->unknown += s->unknown;
		sum->uploads += s->uploads;
		sum->deletes += s->deletes;
		sum->lists += s->lists;
		sum->settled_done += s->settled_done;
		sum->settled_not += s->settled_not;
	}
}

/* One thread per client running fn; the number started. */
static int
run_threads(struct run *r, void *(*fn)(void *))
{
	int	 k;

	for (k = 0; k < r->nclients; k++)
		if (pthread_create(&r->clients[k].thread, NULL, fn,
		    &r->clients[k]) != 0) {
			violation(r, "crashtest: cannot start a thread");
			atomic_store(&r->stop, true);
			break;
		}
	return k;
}

static void
join_threads(struct run *r, int n)
{
	int	 k;

	for (k = 0; k < n; k++)
		pthread_join(r->clients[k].thread, NULL);
}

int
main(int argc, char *argv[])
{
	static struct run	 run;
	struct run		*r = &run;
	struct client		 mc;	/* the main thread's own */
	struct stats		 st, total;
	unsigned long		 rounds = 3, seed, passed = 0, failed = 0;
	unsigned long		 all_violations = 0;
	unsigned		 ms;
	uint64_t		 mrng;
	double			 t0;
	int			 ch, k, n, ws, rc = 1;
	bool			 up, last_ok = false;

	seed = (unsigned long)time(NULL) ^ (unsigned long)getpid() << 16;
	r->nclients = 16;
	r->min_ms = 500;
	r->max_ms = 2500;
	while ((ch = getopt(argc, argv, "c:m:M:r:s:v")) != -1) {
		switch (ch) {
		case 'c':
			r->nclients = (int)number(optarg, 1, MAXCLIENTS);
			break;
		case 'm':
			r->min_ms = (unsigned)number(optarg, 1, 3600000);
			break;
		case 'M':
			r->max_ms = (unsigned)number(optarg, 1, 3600000);
			break;
		case 'r':
			rounds = number(optarg, 1, 1000000);
			break;
		case 's':
			seed = number(optarg, 0, ULONG_MAX);
			break;
		case 'v':
			r->verbose = true;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || r->max_ms < r->min_ms || argc - 2 > MAXSAMPLES)
		usage();
	if (!sha256_selftest()) {
		fprintf(stderr, "crashtest: SHA-256 self-test failed\n");
		return 2;
	}
	r->imaged = argv[0];
	if (realpath(argv[1], r->work) == NULL) {
		fprintf(stderr, "crashtest: %s: %s\n", argv[1],
		    strerror(errno));
		return 2;
	}
	snprintf(r->data, sizeof(r->data), "%.*s/data", PATH_MAX - 16,
	    r->work);
	snprintf(r->urlfile, sizeof(r->urlfile), "%.*s/url", PATH_MAX - 16,
	    r->work);
	snprintf(r->log, sizeof(r->log), "%.*s/imaged.log", PATH_MAX - 16,
	    r->work);
	for (k = 2; k < argc; k++) {
		struct sample	*s = &r->samples[r->nsamples];
		const char	*dot = strrchr(argv[k], '.');

		if (dot == NULL || (s->mime = mime_of(dot + 1)) == NULL ||
		    !read_file(argv[k], &s->data, &s->len)) {
			fprintf(stderr, "crashtest: %s: not a readable "
			    ".png/.jpg/.jpeg/.gif/.webp file\n", argv[k]);
			return 2;
		}
		s->ext = dot + 1;
		r->nsamples++;
	}

	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&r->lock, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	mrng = (seed * 2654435761u) | 1;	/* xorshift stays 0 from 0 */
	memset(&mc, 0, sizeof(mc));
	mc.run = r;
	mc.idx = -1;
	if ((mc.curl = curl_easy_init()) == NULL)
		return 2;
	for (k = 0; k < r->nclients; k++) {
		struct client *c = &r->clients[k];

		c->run = r;
		c->idx = k;
		snprintf(c->user, sizeof(c->user), "crash-%02d", k);
		c->rng = ((seed + 1) * 0x9e3779b97f4a7c15ULL +
		    (uint64_t)k * 7919) | 1;
		rnd(&c->rng);
		if ((c->curl = curl_easy_init()) == NULL)
			return 2;
	}
	printf("crashtest: %lu rounds, %d clients, load %u-%u ms, seed %lu\n",
	    rounds, r->nclients, r->min_ms, r->max_ms, seed);
	fflush(stdout);

	memset(&total, 0, sizeof(total));
	plant_files(r);
	up = daemon_start(r, &mc);
	for (r->round = 1; up && r->round <= rounds; r->round++) {
		r->violations = 0;
		for (k = 0; k < r->nclients; k++)
			memset(&r->clients[k].st, 0, sizeof(st));
		atomic_store(&r->stop, false);
		t0 = now();
		ms = r->min_ms + rnd_below(&mrng, r->max_ms - r->min_ms + 1);
		if ((n = run_threads(r, load_main)) == r->nclients)
			sleep_ms(ms);
		if (waitpid(r->pid, &ws, WNOHANG) == r->pid)
			violation(r, "the daemon died under load (status %d)",
			    WIFEXITED(ws) ? WEXITSTATUS(ws) : -WTERMSIG(ws));
		atomic_store(&r->stop, true);
		kill(r->pid, SIGKILL);
		waitpid(r->pid, &ws, 0);
		r->pid = -1;
		join_threads(r, n);
		ms = (unsigned)((now() - t0) * 1000);

		if ((up = daemon_start(r, &mc))) {
			atomic_store(&r->stop, false);
			join_threads(r, run_threads(r, verify_main));
			verify_store(r, &mc);
			store_check(r, false, true, r->verbose);
		}
		round_stats(r, &st);
		printf("round %u: killed after %u ms; %lu ops (%lu uploads, "
		    "%lu deletes, %lu lists), %lu acknowledged, %lu unknown "
		    "(%lu happened, %lu not); %lu violations\n", r->round, ms,
		    st.ops, st.uploads, st.deletes, st.lists, st.acked,
		    st.unknown, st.settled_done, st.settled_not,
		    r->violations);
		fflush(stdout);
		total.ops += st.ops;
		total.acked += st.acked;
		total.unknown += st.unknown;
		all_violations += r->violations;
		last_ok = r->violations == 0;
		if (last_ok)
			passed++;
		else
			failed++;
	}
	r->round--;

	/* A clean stop, then the store once more with no daemon at all. */
	if (up) {
		r->violations = 0;
		kill(r->pid, SIGTERM);
		if (!wait_exit(r->pid, STOP_TIMEOUT, &ws)) {
			violation(r, "the daemon did not stop on SIGTERM");
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &ws, 0);
		} else if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			violation(r, "the daemon stopped with status %d",
			    WIFEXITED(ws) ? WEXITSTATUS(ws) : -WTERMSIG(ws));
		r->pid = -1;
		store_check(r, false, true, true);
		/* Files imaged did not write are set aside, never deleted. */
		if (store_check(r, true, true, true)) {
			verify_planted(r, "lost+found", "after check --repair");
			store_check(r, false, false, true);
		}
		/* What the stop broke is the last round's failure. */
		if (r->violations > 0) {
			all_violations += r->violations;
			if (last_ok)
				passed--, failed++;
		}
	} else {
		/* Not started at all: a failure with no round to carry it. */
		if (passed + failed == 0) {
			all_violations += r->violations;
			failed = 1;
		}
		if (r->pid > 0) {
			kill(r->pid, SIGKILL);
			waitpid(r->pid, &ws, 0);
		}
	}
	printf("crashtest: %lu operations, %lu acknowledged, %lu unknown, "
	    "%lu violations\n", total.ops, total.acked, total.unknown,
	    all_violations);
	printf("rounds: %lu passed, %lu failed\n", passed, failed);
	rc = all_violations == 0 && failed == 0 ? 0 : 1;

	for (k = 0; k < r->nclients; k++) {
		curl_easy_cleanup(r->clients[k].curl);
		free(r->clients[k].ups);
		free(r->clients[k].live);
		free(r->clients[k].listed.ids);
		free(r->clients[k].body.p);
	}
	curl_easy_cleanup(mc.curl);
	free(mc.body.p);
	for (k = 0; k < r->nsamples; k++)
		free(r->samples[k].data);
	curl_global_cleanup();
	return rc;
}
