/*
 * check_tokens.c: API tokens as a user of `imaged token` and the daemon
 * sees them: add, list and revoke through the command, lookups through an
 * open struct tokens (which must notice the file changing under it), the
 * file never holding a token, its mode, malformed files, and lookups from
 * several threads while tokens are added.
 */
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/log.h"
#include "imaged/cmd.h"
#include "imaged/tokens.h"

Suite	*tokens_suite(void);

/* Hashes as the file holds them: 64 lower-case hex digits. */
#define H_MID		"33334444555566667777888899990000aaaabbbbcccc"
#define H1_TAIL		H_MID "ddddeeeeffff"
#define H1		"11112222" H1_TAIL
#define H1_SHORT	"11112222" H_MID "ddddeeeefff"	/* 63 digits */
#define H2		"11112222" H_MID "ddddeeee0000"	/* same id as H1 */

#define ID_LEN		8
#define TOKEN_LEN	47	/* "imt_" and 43 base64url characters */

static char	 dir[64];
static char	 path[96];

/* What one run of `imaged token ...` gave. */
struct run {
	int	 status;
	char	*out;
	char	*err;
};

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/imaged-tokens.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	log_quiet(true);
	snprintf(path, sizeof(path), "%s/%s", dir, TOKENS_FILE);
}

static void
teardown(void)
{
	char	 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* Run the command with the NULL-terminated argv (argv[0] "token"). */
static struct run
run_argv(const char *const *argv)
{
	struct run	 r;
	char		 words[8][128], *v[9];
	size_t		 outlen, errlen;
	FILE		*out, *err;
	int		 argc;

	/* The command takes argv as main() gets it: mutable strings. */
	for (argc = 0; argv[argc] != NULL; argc++) {
		ck_assert_int_lt(argc, 8);
		snprintf(words[argc], sizeof(words[argc]), "%s", argv[argc]);
		v[argc] = words[argc];
	}
	v[argc] = NULL;
	out = open_memstream(&r.out, &outlen);
	err = open_memstream(&r.err, &errlen);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	r.status = cmd_token_file(path, argc, v, out, err);
	fclose(out);
	fclose(err);
	return r;
}

#define RUN(...)	\
	run_argv((const char *const[]){ "token", __VA_ARGS__, NULL })

/* Add a token for user (admin if asked); tok gets it. */
static void
add(const char *user, bool admin, char tok[TOKEN_LEN + 1])
{
	struct run	 r;

	r = admin ? RUN("add", user, "--admin") : RUN("add", user);
	ck_assert_int_eq(r.status, 0);
	ck_assert_uint_eq(strlen(r.out), TOKEN_LEN + 1);
	ck_assert_int_eq(r.out[TOKEN_LEN], '\n');
	memcpy(tok, r.out, TOKEN_LEN);
	tok[TOKEN_LEN] = '\0';
	run_free(&r);
}

/* The id `list` shows for the token of user (the first one). */
static void
id_of(const char *user, char id[ID_LEN + 1])
{
	struct run	 r;
	char		 want[80];
	const char	*line;

	r = RUN("list");
	ck_assert_int_eq(r.status, 0);
	snprintf(want, sizeof(want), " %s ", user);
	line = strstr(r.out, want);
	ck_assert_ptr_nonnull(line);
	ck_assert_int_ge(line - r.out, ID_LEN);
	memcpy(id, line - ID_LEN, ID_LEN);
	id[ID_LEN] = '\0';
	run_free(&r);
}

static char *
slurp(const char *p)
{
	FILE	*fp;
	char	*s;
	long	 n;

	fp = fopen(p, "r");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	s = calloc(1, (size_t)n + 1);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return s;
}

static void
spew(const char *p, const char *text)
{
	FILE	*fp;

	fp = fopen(p, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(fputs(text, fp) >= 0, 1);
	ck_assert_int_eq(fclose(fp), 0);
}

static int
entries_in_dir(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* Run f with stderr going to a file; returns what it wrote. */
static char *
stderr_of(void (*f)(void *), void *arg)
{
	char	 cap[128];
	int	 saved, fd;
	char	*s;

	snprintf(cap, sizeof(cap), "%s/stderr", dir);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	f(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	s = slurp(cap);
	unlink(cap);
	return s;
}

START_TEST(test_add_lookup)
{
	struct tokens		*t;
	struct principal	 p;
	struct run		 r;
	char			 tok[TOKEN_LEN + 1], tok2[TOKEN_LEN + 1];
	char			 id[ID_LEN + 1];
	size_t			 i;

	r = RUN("add", "user123");
	ck_assert_int_eq(r.status, 0);
	/* out is the token alone; err the hint, naming the user and id. */
	ck_assert_uint_eq(strlen(r.out), TOKEN_LEN + 1);
	memcpy(tok, r.out, TOKEN_LEN);
	tok[TOKEN_LEN] = '\0';
	ck_assert_int_eq(strncmp(tok, "imt_", 4), 0);
	for (i = 4; i < TOKEN_LEN; i++)
		ck_assert_ptr_nonnull(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", tok[i]));
	id_of("user123", id);
	ck_assert_ptr_nonnull(strstr(r.err, "user123"));
	ck_assert_ptr_nonnull(strstr(r.err, id));
	ck_assert_ptr_nonnull(strstr(r.err, "not shown again"));
	ck_assert_ptr_null(strstr(r.err, tok));
	run_free(&r);

	ck_assert_int_eq(tokens_open(path, &t), IMG_OK);
	ck_assert(tokens_lookup(t, tok, strlen(tok), &p));
	ck_assert_str_eq(p.user_id, "user123");
	ck_assert(!p.admin);
	/* Two tokens for one user are two tokens, both good. */
	add("user123", false, tok2);
	ck_assert_str_ne(tok, tok2);
	ck_assert(tokens_lookup(t, tok, strlen(tok), &p));
	ck_assert(tokens_lookup(t, tok2, strlen(tok2), &p));
	ck_assert_str_eq(p.user_id, "user123");
	tokens_close(t);
}
END_TEST

START_TEST(test_admin)
{
	struct tokens		*t;
	struct principal	 p;
	char			 adm[TOKEN_LEN + 1], usr[TOKEN_LEN + 1];
	char			 bare[TOKEN_LEN + 1];
	struct run		 r;

	add("ops", true, adm);
	add("alice", false, usr);
	/* --admin first, and with no USER: labelled "admin". */
	r = RUN("add", "--admin");
	ck_assert_int_eq(r.status, 0);
	memcpy(bare, r.out, TOKEN_LEN);
	bare[TOKEN_LEN] = '\0';
	run_free(&r);
	ck_assert_int_eq(tokens_open(path, &t), IMG_OK);
	ck_assert(tokens_lookup(t, adm, TOKEN_LEN, &p));
	ck_assert(p.admin);
	ck_assert_str_eq(p.user_id, "ops");
	ck_assert(tokens_lookup(t, usr, TOKEN_LEN, &p));
	ck_assert(!p.admin);
	ck_assert_str_eq(p.user_id, "alice");
	ck_assert(tokens_lookup(t, bare, TOKEN_LEN, &p));
	ck_assert(p.admin);
	ck_assert_str_eq(p.user_id, "admin");
	tokens_close(t);
}
END_TEST

START_TEST(test_unknown_and_altered)
{
	static const char	*unknown[] = {
		"imt_", "x", "Bearer",
		"imt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
		"0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef",
	};
	struct tokens		*t;
	struct principal	 p;
	char			 tok[TOKEN_LEN + 1], bad[TOKEN_LEN + 2];
	char			 hex[65], longer[400];
	char			*file, *line;
	size_t			 i;

	add("alice", false, tok);
	ck_assert_int_eq(tokens_open(path, &t), IMG_OK);
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		ck_assert_msg(!tokens_lookup(t, unknown[i], strlen(unknown[i]),
		    &p), "%s", unknown[i]);
	ck_assert(!tokens_lookup(t, tok, 0, &p));
	/* Any one character changed, and it is refused. */
	for (i = 0; i < TOKEN_LEN; i++) {
		memcpy(bad, tok, sizeof(tok));
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(!tokens_lookup(t, bad, TOKEN_LEN, &p), "pos %zu",
		    i);
	}
	/* Cut short, or with more after it. */
	ck_assert(!tokens_lookup(t, tok, TOKEN_LEN - 1, &p));
	memcpy(bad, tok, TOKEN_LEN);
	bad[TOKEN_LEN] = 'x';
	ck_assert(!tokens_lookup(t, bad, TOKEN_LEN + 1, &p));
	memset(longer, 'a', sizeof(longer));
	memcpy(longer, tok, TOKEN_LEN);
	ck_assert(!tokens_lookup(t, longer, sizeof(longer), &p));
	/* The stored hash is no token either. */
	file = slurp(path);
	for (line = file; *line == '#'; line = strchr(line, '\n') + 1)
		;
	memcpy(hex, line + ID_LEN + 1, 64);
	hex[64] = '\0';
	ck_assert(!tokens_lookup(t, hex, 64, &p));
	ck_assert(tokens_lookup(t, tok, TOKEN_LEN, &p));
	free(file);
	tokens_close(t);
}
END_TEST

START_TEST(test_file_keeps_no_secret)
{
	struct stat	 st;
	char		 a[TOKEN_LEN + 1], b[TOKEN_LEN + 1], id[ID_LEN + 1];
	char		*file;
	struct run	 r;

	add("alice", false, a);
	add("bob", true, b);
	file = slurp(path);
	ck_assert_ptr_null(strstr(file, a));
	ck_assert_ptr_null(strstr(file, b));
	/* Not even the random part without its prefix. */
	ck_assert_ptr_null(strstr(file, a + 4));
	ck_assert_ptr_null(strstr(file, b + 4));
	free(file);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	/* Rewrites leave no temp file behind and keep the mode. */
	id_of("alice", id);
	r = RUN("revoke", id);
	ck_assert_int_eq(r.status, 0);
	run_free(&r);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(entries_in_dir(), 1);
	/* A looser file is tightened when rewritten. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	add("carol", false, a);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
}
END_TEST

static bool
ts_after(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec > b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec > b->tv_nsec);
}

/*
 * A daemon tells files apart by inode, size and mtime.  Rewrites in quick
 * succession reuse inodes and can restore a size, so each must at least
 * move the mtime forward, however fast they come.
 */
START_TEST(test_rewrites_advance_mtime)
{
	struct stat	 prev, st;
	char		 tok[TOKEN_LEN + 1], id[ID_LEN + 1];
	struct run	 r;
	int		 i;

	add("alice", false, tok);
	ck_assert_int_eq(stat(path, &prev), 0);
	for (i = 0; i < 10; i++) {
		if (i % 2 == 0) {
			id_of("alice", id);
			r = RUN("revoke", id);
			ck_assert_int_eq(r.status, 0);
			run_free(&r);
		} else
			add("alice", false, tok);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_msg(ts_after(&st.st_mtim, &prev.st_mtim),
		    "rewrite %d kept mtime %lld.%09ld", i,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
		prev = st;
	}
}
END_TEST

static void
open_and_close(void *arg)
{
	struct tokens	*t = NULL;

	*(enum img_err *)arg = tokens_open(path, &t);
	tokens_close(t);
}

START_TEST(test_loose_mode_warns)
{
	char		 tok[TOKEN_LEN + 1];
	enum img_err	 e = IMG_EINTERNAL;
	char		*log;

	add("alice", false, tok);
	log = stderr_of(open_and_close, &e);
	ck_assert_int_eq(e, IMG_OK);
	ck_assert_str_eq(log, "");
	free(log);
	ck_assert_int_eq(chmod(path, 0640), 0);
	log = stderr_of(open_and_close, &e);
	ck_assert_int_eq(e, IMG_OK);
	ck_assert_ptr_nonnull(strstr(log, path));
	ck_assert_ptr_nonnull(strstr(log, "640"));
	free(log);
}
END_TEST

START_TEST(test_revoke)
{
	struct tokens		*t;
	struct principal	 p;
	char			 a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
	char			 a2[TOKEN_LEN + 1], id[ID_LEN + 1];
	char			 upper[ID_LEN + 1];
	struct run		 r;
	size_t			 i;

	add("alice", false, a);
	add("bob", false, b);
	ck_assert_int_eq(tokens_open(path, &t), IMG_OK);
	ck_assert(tokens_lookup(t, a, TOKEN_LEN, &p));
	ck_assert(tokens_lookup(t, b, TOKEN_LEN, &p));

	id_of("alice", id);
	r = RUN("revoke", id);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	ck_assert_ptr_nonnull(strstr(r.err, id));
	run_free(&r);
	/* The open set notices the change: a is gone, b stays. */
	ck_assert(!tokens_lookup(t, a, TOKEN_LEN, &p));
	ck_assert(tokens_lookup(t, b, TOKEN_LEN, &p));
	ck_assert_str_eq(p.user_id, "bob");

	/* Revoked already, or never there: exit 1 with a message. */
	r = RUN("revoke", id);
	ck_assert_int_eq(r.status, 1);
	ck_assert_ptr_nonnull(strstr(r.err, id));
	run_free(&r);
	r = RUN("revoke", "00000000");
	ck_assert_int_eq(r.status, 1);
	run_free(&r);

	/* Ids typed in upper case work too. */
	id_of("bob", id);
	for (i = 0; i < ID_LEN; i++)
		upper[i] = id[i] >= 'a' && id[i] <= 'f' ?
		    (char)(id[i] - 'a' + 'A') : id[i];
	upper[ID_LEN] = '\0';
	r = RUN("revoke", upper);
	ck_assert_int_eq(r.status, 0);
	run_free(&r);
	ck_assert(!tokens_lookup(t, b, TOKEN_LEN, &p));

	/*
	 * A revoke and an add in quick succession can leave a file of the
	 * same size, perhaps on the same inode: still seen as a change.
	 */
	add("alice", false, a);
	ck_assert(tokens_lookup(t, a, TOKEN_LEN, &p));
	id_of("alice", id);
	r = RUN("revoke", id);
	ck_assert_int_eq(r.status, 0);
	run_free(&r);
	add("alice", false, a2);
	ck_assert(!tokens_lookup(t, a, TOKEN_LEN, &p));
	ck_assert(tokens_lookup(t, a2, TOKEN_LEN, &p));
	tokens_close(t);
}
END_TEST

START_TEST(test_list)
{
	struct run	 r;
	char		 a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
	char		 id[ID_LEN + 1], user[80], role[16], created[40];
	char		*file, *line, *nl;
	int		 n = 0, y, mo, d, h, mi, s;

	r = RUN("list");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	run_free(&r);
	add("alice", false, a);
	add("ops", true, b);
	file = slurp(path);
	r = RUN("list");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.err, "");
	for (line = r.out; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		ck_assert_int_eq(sscanf(line, "%8s %79s %15s %39s", id, user,
		    role, created), 4);
		ck_assert_uint_eq(strlen(id), ID_LEN);
		/* The id is the one in the file, at the start of a line. */
		ck_assert_ptr_nonnull(strstr(file, id));
		ck_assert_str_eq(role, n == 0 ? "user" : "admin");
		ck_assert_str_eq(user, n == 0 ? "alice" : "ops");
		ck_assert_int_eq(sscanf(created, "%4d-%2d-%2dT%2d:%2d:%2dZ",
		    &y, &mo, &d, &h, &mi, &s), 6);
		ck_assert_int_ge(y, 2024);
		ck_assert_uint_eq(strlen(created), 20);
		n++;
	}
	ck_assert_int_eq(n, 2);
	run_free(&r);
	/* Neither a token nor a hash. */
	r = RUN("list");
	ck_assert_ptr_null(strstr(r.out, a));
	ck_assert_ptr_null(strstr(r.out, b));
	ck_assert_ptr_null(strstr(r.out, a + 4));
	ck_assert_uint_lt(strlen(r.out), 2 * (ID_LEN + 40));
	run_free(&r);
	free(file);
}
END_TEST

START_TEST(test_file_format)
{
	/* A hand-written file: comments, blank lines, tabs, no final '\n'. */
	static const char	 text[] =
	    "# tokens\n"
	    "\n"
	    "   # indented comment\n"
	    "8e2ff5b5 8e2ff5b5a3f3e0e1c6fbd4ba1e1ccea1"
	    "ad3c4d94a13de8a6dc3ccf8ea96bfdbe"
	    "\tcarol  user 1700000000\n"
	    "  \t \n"
	    "11112222 " H1
	    " root admin 0";
	struct tokens		*t;
	struct principal	 p;
	struct run		 r;

	spew(path, text);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(tokens_open(path, &t), IMG_OK);
	ck_assert(!tokens_lookup(t, "imt_x", 5, &p));
	tokens_close(t);
	r = RUN("list");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out,
	    "8e2ff5b5 carol user 2023-11-14T22:13:20Z\n"
	    "11112222 root admin 1970-01-01T00:00:00Z\n");
	run_free(&r);
	/* Revoking keeps the comments and the other line as they were. */
	r = RUN("revoke", "8e2ff5b5");
	ck_assert_int_eq(r.status, 0);
	run_free(&r);
	{
		char *file = slurp(path);

		ck_assert_str_eq(file,
		    "# tokens\n"
		    "\n"
		    "   # indented comment\n"
		    "  \t \n"
		    "11112222 " H1
		    " root admin 0");
		free(file);
	}
}
END_TEST

static void
open_malformed(void *arg)
{
	struct tokens	*t = (struct tokens *)0x1;

	*(enum img_err *)arg = tokens_open(path, &t);
	ck_assert_ptr_null(t);
}

START_TEST(test_malformed)
{
	static const struct {
		const char	*text;
		const char	*line;		/* named in the log */
	} cases[] = {
		{ "garbage\n", "line 1" },
		{ "# ok\n11112222 " H1
		  " bob user\n", "line 2" },
		{ "11112222 " H1
		  " bob user 1 extra\n", "line 1" },
		{ "11112223 " H1
		  " bob user 1\n", "line 1" },
		{ "11112222 " H1_SHORT
		  " bob user 1\n", "line 1" },
		{ "11112222 " H1_SHORT "g"
		  " bob user 1\n", "line 1" },
		{ "1111AAAA 1111AAAA" H1_TAIL
		  " bob user 1\n", "line 1" },
		{ "11112222 " H1
		  " b/ob user 1\n", "line 1" },
		{ "11112222 " H1
		  " .. user 1\n", "line 1" },
		{ "11112222 " H1
		  " bob root 1\n", "line 1" },
		{ "11112222 " H1
		  " bob user -1\n", "line 1" },
		{ "11112222 " H1
		  " bob user 1x\n", "line 1" },
		{ "11112222 " H1
		  " bob user 99999999999999999999999\n", "line 1" },
		{ "\n\n11112222 " H1
		  " bob user 1\n"
		  "11112222 " H2
		  " eve user 1\n", "line 4" },
	};
	enum img_err	 e;
	struct run	 r;
	char		*log;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		spew(path, cases[i].text);
		ck_assert_int_eq(chmod(path, 0600), 0);
		log = stderr_of(open_malformed, &e);
		ck_assert_msg(e == IMG_EUNAVAIL, "case %zu", i);
		ck_assert_msg(strstr(log, cases[i].line) != NULL &&
		    strstr(log, path) != NULL, "case %zu: %s", i, log);
		free(log);
		/* The command refuses to work on it too, and leaves it be. */
		r = RUN("add", "alice");
		ck_assert_int_eq(r.status, 1);
		ck_assert_str_eq(r.out, "");
		ck_assert_ptr_nonnull(strstr(r.err, cases[i].line));
		run_free(&r);
		log = slurp(path);
		ck_assert_str_eq(log, cases[i].text);
		free(log);
	}
}
END_TEST

struct lookups {
	struct tokens	*t;
	const char	*token;
	int		 found;
	char		 user[65];
};

static void
lookup_thrice(void *arg)
{
	struct lookups		*lk = arg;
	struct principal	 p;
	int			 i;

	lk->found = 0;
	for (i = 0; i < 3; i++)
		if (tokens_lookup(lk->t, lk->token, strlen(lk->token), &p))
			lk->found++;
	memcpy(lk->user, p.user_id, sizeof(lk->user));
}

START_TEST(test_bad_reload_keeps_table)
{
	struct tokens		*t;
	struct principal	 p;
	char			 a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
	struct lookups		 lk;
	char			*good, *log;
	char			 tmp[128];

	add("alice", false, a);
	ck_assert_int_eq(tokens_open(path, &t), IMG_OK);
	good = slurp(path);
	/* A broken file replaces it: what was loaded stays in use. */
	snprintf(tmp, sizeof(tmp), "%s/new", dir);
	spew(tmp, "this is not a tokens file\n");
	ck_assert_int_eq(chmod(tmp, 0600), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
	lk.t = t;
	lk.token = a;
	log = stderr_of(lookup_thrice, &lk);
	ck_assert_int_eq(lk.found, 3);
	ck_assert_str_eq(lk.user, "alice");
	/* Said once, naming the line, not at every request. */
	ck_assert_ptr_nonnull(strstr(log, "line 1"));
	ck_assert_ptr_eq(strchr(log, '\n'), log + strlen(log) - 1);
	free(log);
	/* Fixed, with one more token: picked up. */
	spew(tmp, good);
	ck_assert_int_eq(chmod(tmp, 0600), 0);
	ck_assert_int_eq(rename(tmp, path), 0);
	add("bob", false, b);
	ck_assert(tokens_lookup(t, b, TOKEN_LEN, &p));
	ck_assert(tokens_lookup(t, a, TOKEN_LEN, &p));
	/* Removed: an empty set, as at start. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert(!tokens_lookup(t, a, TOKEN_LEN, &p));
	free(good);
	tokens_close(t);
}
END_TEST

START_TEST(test_missing_file)
{
	struct tokens		*t;
	struct principal	 p;
	char			 a[TOKEN_LEN + 1];
	struct run		 r;

	ck_assert_int_eq(tokens_open(path, &t), IMG_OK);
	ck_assert(!tokens_lookup(t, "imt_x", 5, &p));
	r = RUN("list");
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	run_free(&r);
	r = RUN("revoke", "abcdef01");
	ck_assert_int_eq(r.status, 1);
	run_free(&r);
	ck_assert_int_eq(entries_in_dir(), 0);
	/* The first add makes the file; an open set sees it. */
	add("alice", false, a);
	ck_assert(tokens_lookup(t, a, TOKEN_LEN, &p));
	ck_assert_str_eq(p.user_id, "alice");
	tokens_close(t);
}
END_TEST

#define NTHREADS	4
#define NADDS		12

struct reader {
	pthread_t	 tid;
	struct tokens	*t;
	const char	*known;		/* valid all along */
	const char	*last;		/* the last added, once stop is set */
	atomic_bool	*stop;
	atomic_int	*running;	/* readers past their first lookup */
	long		 lookups;
	long		 misses;	/* of known: must stay 0 */
	bool		 saw_last;
};

static void *
reader_main(void *arg)
{
	struct reader		*rd = arg;
	struct principal	 p;

	while (!atomic_load(rd->stop)) {
		if (!tokens_lookup(rd->t, rd->known, TOKEN_LEN, &p) ||
		    strcmp(p.user_id, "known") != 0)
			rd->misses++;
		(void)tokens_lookup(rd->t, "imt_nothing", 11, &p);
		if (rd->lookups++ == 0)
			atomic_fetch_add(rd->running, 1);
	}
	rd->saw_last = tokens_lookup(rd->t, rd->last, TOKEN_LEN, &p);
	return NULL;
}

START_TEST(test_concurrent)
{
	struct tokens		*t;
	struct principal	 p;
	struct reader		 rd[NTHREADS];
	char			 known[TOKEN_LEN + 1];
	char			 added[NADDS][TOKEN_LEN + 1];
	char			 user[16];
	atomic_bool		 stop = false;
	atomic_int		 running = 0;
	int			 i;

	add("known", false, known);
	ck_assert_int_eq(tokens_open(path, &t), IMG_OK);
	for (i = 0; i < NTHREADS; i++) {
		rd[i] = (struct reader){ .t = t, .known = known,
		    .last = added[NADDS - 1], .stop = &stop,
		    .running = &running };
		ck_assert_int_eq(pthread_create(&rd[i].tid, NULL, reader_main,
		    &rd[i]), 0);
	}
	/* Every reader busy before the first add. */
	while (atomic_load(&running) < NTHREADS)
		sched_yield();
	for (i = 0; i < NADDS; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		add(user, i % 3 == 0, added[i]);
	}
	atomic_store(&stop, true);
	for (i = 0; i < NTHREADS; i++) {
		ck_assert_int_eq(pthread_join(rd[i].tid, NULL), 0);
		ck_assert_int_gt(rd[i].lookups, 0);
		ck_assert_int_eq(rd[i].misses, 0);
		ck_assert(rd[i].saw_last);
	}
	for (i = 0; i < NADDS; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		ck_assert(tokens_lookup(t, added[i], TOKEN_LEN, &p));
		ck_assert_str_eq(p.user_id, user);
		ck_assert(p.admin == (i % 3 == 0));
	}
	tokens_close(t);
}
END_TEST

START_TEST(test_usage)
{
	static const char *const	 cases[][5] = {
		{ "token" },
		{ "tokens", "list" },
		{ "token", "nope" },
		{ "token", "" },
		{ "token", "add" },
		{ "token", "add", "a", "b" },
		{ "token", "add", "bad/user" },
		{ "token", "add", ".." },
		{ "token", "add", "" },
		{ "token", "add", "--root", "x" },
		{ "token", "add", "x", "--admin", "--admin" },
		{ "token", "list", "x" },
		{ "token", "revoke" },
		{ "token", "revoke", "xyz" },
		{ "token", "revoke", "0123456g" },
		{ "token", "revoke", "012345678" },
		{ "token", "revoke", "01234567", "x" },
	};
	struct run	 r;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = run_argv(cases[i]);
		ck_assert_msg(r.status == 2, "case %zu: %d", i, r.status);
		ck_assert_msg(strstr(r.err, "usage: imaged token") != NULL,
		    "case %zu", i);
		ck_assert_str_eq(r.out, "");
		run_free(&r);
	}
	/* Nothing was written. */
	ck_assert_int_eq(entries_in_dir(), 0);
}
END_TEST

Suite *
tokens_suite(void)
{
	Suite	*s = suite_create("tokens");
	TCase	*tc = tcase_create("tokens");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_add_lookup);
	tcase_add_test(tc, test_admin);
	tcase_add_test(tc, test_unknown_and_altered);
	tcase_add_test(tc, test_file_keeps_no_secret);
	tcase_add_test(tc, test_rewrites_advance_mtime);
	tcase_add_test(tc, test_loose_mode_warns);
	tcase_add_test(tc, test_revoke);
	tcase_add_test(tc, test_list);
	tcase_add_test(tc, test_file_format);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_bad_reload_keeps_table);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_concurrent);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return s;
}
