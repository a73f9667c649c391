/*
 * check_durable.c: files written with durable_write, as a reader of the
 * path sees them: the whole new contents and the mode asked for, the old
 * file left as it was when the write fails, and no temp file left behind
 * either way.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imaged/durable.h"

Suite	*durable_suite(void);

static char	 dir[64];
static char	 path[96];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/imaged-durable.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/file", dir);
}

static void
teardown(void)
{
	char	 cmd[128];

	chmod(dir, 0700);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The whole contents of p, NUL-terminated (caller frees). */
static char *
slurp(const char *p)
{
	FILE	*fp;
	char	*s;
	long	 n;

	ck_assert_ptr_nonnull(fp = fopen(p, "r"));
	ck_assert_int_eq(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	rewind(fp);
	ck_assert_ptr_nonnull(s = calloc(1, (size_t)n + 1));
	ck_assert_uint_eq(fread(s, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return s;
}

static void
assert_contents(const char *p, const char *want)
{
	char	*s = slurp(p);

	ck_assert_str_eq(s, want);
	free(s);
}

/* How many entries the folder holds (a temp file left over shows here). */
static int
entries(void)
{
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
put(const char *p, const char *s, mode_t mode)
{
	struct durable_opts	 o = { .mode = mode };

	ck_assert_int_eq(durable_write(p, s, strlen(s), &o, NULL, 0), IMG_OK);
}

START_TEST(writes_contents_and_mode)
{
	static const mode_t	 modes[] = { 0600, 0644, 0640 };
	struct stat		 st;
	size_t			 i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		put(path, i == 0 ? "first\n" : "second\n", modes[i]);
		assert_contents(path, i == 0 ? "first\n" : "second\n");
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_uint_eq(st.st_mode & 07777, modes[i]);
		ck_assert_int_eq(entries(), 1);
	}
}
END_TEST

/* Transient: the same whole, atomic file, only not synced. */
START_TEST(transient_writes_whole)
{
	struct durable_opts	 o = { .mode = 0644, .transient = true };
	struct stat		 st;

	put(path, "old\n", 0600);
	ck_assert_int_eq(durable_write(path, "http://127.0.0.1:1\n", 19, &o,
	    NULL, 0), IMG_OK);
	assert_contents(path, "http://127.0.0.1:1\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(entries(), 1);		/* no temp file left */
}
END_TEST

START_TEST(writes_empty_and_binary)
{
	static const char	 bin[] = { 'a', '\0', 'b', '\n', '\377' };
	struct durable_opts	 o = { .mode = 0600 };
	struct stat		 st;
	char			*s;

	put(path, "", 0600);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	ck_assert_int_eq(durable_write(path, bin, sizeof(bin), &o, NULL, 0),
	    IMG_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, (off_t)sizeof(bin));
	s = slurp(path);
	ck_assert_mem_eq(s, bin, sizeof(bin));
	free(s);
}
END_TEST

START_TEST(exclusive_keeps_the_first)
{
	struct durable_opts	 o = { .mode = 0600, .exclusive = true };
	char			 other[128], msg[256];

	ck_assert_int_eq(durable_write(path, "one", 3, &o, msg, sizeof(msg)),
	    IMG_OK);
	errno = 0;
	ck_assert_int_eq(durable_write(path, "two", 3, &o, msg, sizeof(msg)),
	    IMG_EUNAVAIL);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_ptr_nonnull(strstr(msg, path));
	assert_contents(path, "one");
	ck_assert_int_eq(entries(), 1);
	/* A new name is created as usual. */
	snprintf(other, sizeof(other), "%s/other", dir);
	ck_assert_int_eq(durable_write(other, "three", 5, &o, NULL, 0),
	    IMG_OK);
	assert_contents(other, "three");
	ck_assert_int_eq(entries(), 2);
}
END_TEST

START_TEST(failed_rename_leaves_old_intact)
{
	struct durable_opts	 o = { .mode = 0600 };
	struct stat		 st;
	char			 sub[128], inner[160], msg[256];

	/* A folder where the file should go: rename(2) cannot replace it. */
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	snprintf(inner, sizeof(inner), "%s/keep", sub);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	put(inner, "kept", 0600);
	msg[0] = '\0';
	ck_assert_int_eq(durable_write(sub, "new", 3, &o, msg, sizeof(msg)),
	    IMG_EUNAVAIL);
	ck_assert_str_ne(msg, "");
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	assert_contents(inner, "kept");
	ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(missing_folder_fails)
{
	struct durable_opts	 o = { .mode = 0600 };
	char			 p[128], msg[256];

	snprintf(p, sizeof(p), "%s/no/such/file", dir);
	errno = 0;
	ck_assert_int_eq(durable_write(p, "x", 1, &o, msg, sizeof(msg)),
	    IMG_EUNAVAIL);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(entries(), 0);
}
END_TEST

START_TEST(unwritable_folder_leaves_old_intact)
{
	struct durable_opts	 o = { .mode = 0600 };
	char			 msg[256];

	put(path, "old", 0644);
	ck_assert_int_eq(chmod(dir, 0500), 0);
	errno = 0;
	ck_assert_int_eq(durable_write(path, "new", 3, &o, msg, sizeof(msg)),
	    IMG_EUNAVAIL);
	ck_assert_int_eq(errno, EACCES);
	ck_assert_int_eq(chmod(dir, 0700), 0);
	assert_contents(path, "old");
	ck_assert_int_eq(entries(), 1);
}
END_TEST

/* A write cut short (past the file size limit) changes nothing. */
START_TEST(short_write_leaves_old_intact)
{
	struct durable_opts	 o = { .mode = 0600 };
	struct rlimit		 rl = { 8, 8 };
	char			 msg[256];

	put(path, "old", 0644);
	/* The test runs in a child of its own: the limit dies with it. */
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
	errno = 0;
	ck_assert_int_eq(durable_write(path, "longer than eight", 17, &o, msg,
	    sizeof(msg)), IMG_EUNAVAIL);
	ck_assert_int_eq(errno, EFBIG);
	assert_contents(path, "old");
	ck_assert_int_eq(entries(), 1);
}
END_TEST

START_TEST(replaces_moves_mtime_forward)
{
	struct durable_opts	 o = { .mode = 0600 };
	struct stat		 before, after;
	struct timespec		 t[2];
	int			 i;

	put(path, "same size", 0600);
	/* An mtime in the future: the rewrite must land after it anyway. */
	ck_assert_int_eq(stat(path, &before), 0);
	t[0].tv_sec = 0;
	t[0].tv_nsec = UTIME_OMIT;
	t[1].tv_sec = before.st_mtim.tv_sec + 3600;
	t[1].tv_nsec = 5;
	ck_assert_int_eq(utimensat(AT_FDCWD, path, t, 0), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(stat(path, &before), 0);
		o.replaces = &before;
		ck_assert_int_eq(durable_write(path, "same SIZE", 9, &o, NULL,
		    0), IMG_OK);
		ck_assert_int_eq(stat(path, &after), 0);
		ck_assert(after.st_mtim.tv_sec > before.st_mtim.tv_sec ||
		    (after.st_mtim.tv_sec == before.st_mtim.tv_sec &&
		    after.st_mtim.tv_nsec > before.st_mtim.tv_nsec));
		ck_assert_uint_eq(after.st_uid, before.st_uid);
	}
	assert_contents(path, "same SIZE");
}
END_TEST

Suite *
durable_suite(void)
{
	Suite	*s = suite_create("durable");
	TCase	*tc = tcase_create("write");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, writes_contents_and_mode);
	tcase_add_test(tc, transient_writes_whole);
	tcase_add_test(tc, writes_empty_and_binary);
	tcase_add_test(tc, exclusive_keeps_the_first);
	tcase_add_test(tc, failed_rename_leaves_old_intact);
	tcase_add_test(tc, missing_folder_fails);
	tcase_add_test(tc, short_write_leaves_old_intact);
	/* root writes whatever a folder's mode says. */
	if (geteuid() != 0)
		tcase_add_test(tc, unwritable_folder_leaves_old_intact);
	tcase_add_test(tc, replaces_moves_mtime_forward);
	suite_add_tcase(s, tc);
	return s;
}
