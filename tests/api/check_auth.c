/*
 * check_auth.c: auth = token.  Every rule of the token mode, over HTTP:
 * who may upload, list, read, change and delete what.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "harness.h"
#include "imaged/cmd.h"
#include "imaged/tokens.h"

Suite	*auth_suite(void);

static char	 alice[128], bob[128], admin[128];
static char	 alice_id[64], bob_id[64];

/* `imaged token add ...` against the running daemon's tokens file. */
static void
token_add(const char *user, bool is_admin, char *out, size_t outlen)
{
	char	 path[PATH_MAX + 16], *text = NULL;
	char	 w0[] = "token", w1[] = "add", w3[] = "--admin", who[64];
	char	*argv[] = { w0, w1, who, w3, NULL };
	size_t	 len = 0;
	FILE	*fp, *err;

	snprintf(who, sizeof(who), "%s", user);
	snprintf(path, sizeof(path), "%s/%s", test_daemon->data_dir,
	    TOKENS_FILE);
	fp = open_memstream(&text, &len);
	err = fopen("/dev/null", "w");
	ck_assert_int_eq(cmd_token_file(path, is_admin ? 4 : 3, argv, fp,
	    err), 0);
	fclose(fp);
	fclose(err);
	text[strcspn(text, "\n")] = '\0';
	snprintf(out, outlen, "%s", text);
	free(text);
}

static void
as(struct reply *r, const char *token, const char *method, const char *path,
    const char *body)
{
	char		 auth[256];
	const char	*hdrs[3] = { auth,
	    "Content-Type: application/json", NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    token != NULL ? token : "");
	http_do(r, method, path, token != NULL ? hdrs : hdrs + 1, body,
	    body != NULL ? strlen(body) : 0);
}

static void
upload_as(const char *token, const char *user_field, char *id, size_t idlen,
    long want)
{
	struct reply	 r;
	char		*png, *b64, *body;
	size_t		 len;

	png = read_file("data/sample.png", &len);
	b64 = base64_of(png, len);
	ck_assert_int_gt(asprintf(&body,
	    "{\"image_data\": \"%s\", \"filename\": "
	    "\"a.png\"%s}", b64, user_field), 0);
	as(&r, token, "POST", "/images", body);
	ck_assert_msg(r.status == want, "%ld %s", r.status, r.body.data);
	if (id != NULL)
		snprintf(id, idlen, "%s",
		    json_string_value(json_object_get(r.json, "image_id")));
	reply_free(&r);
	free(body);
	free(b64);
	free(png);
}

static void
setup(void)
{
	static const char *const settings[] = { "auth=token", NULL };

	harness_start_with(settings);
	token_add("alice", false, alice, sizeof(alice));
	token_add("bob", false, bob, sizeof(bob));
	token_add("root", true, admin, sizeof(admin));
	upload_as(alice, "", alice_id, sizeof(alice_id), 201);
	upload_as(bob, ", \"user_id\": \"bob\"", bob_id, sizeof(bob_id), 201);
}

START_TEST(test_token_required)
{
	struct reply	 r;

	as(&r, NULL, "GET", "/images", NULL);
	ck_assert_int_eq(r.status, 401);
	ck_assert_str_eq(reply_code(&r), "UNAUTHORIZED");
	reply_free(&r);
	as(&r, "imt_not-a-token", "GET", "/images", NULL);
	ck_assert_int_eq(r.status, 401);
	reply_free(&r);
	/* One character off. */
	alice[10] = alice[10] == 'A' ? 'B' : 'A';
	as(&r, alice, "GET", "/images", NULL);
	ck_assert_int_eq(r.status, 401);
	reply_free(&r);
	upload_as(NULL, ", \"user_id\": \"x\"", NULL, 0, 401);
	/* Health and preflights need none. */
	http_get(&r, "/healthz");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	http_do(&r, "OPTIONS", "/images", NULL, NULL, 0);
	ck_assert_int_eq(r.status, 204);
	reply_free(&r);
}
END_TEST

START_TEST(test_x_api_key)
{
	struct reply	 r;
	char		 key[256];
	const char	*hdrs[2] = { key, NULL };

	snprintf(key, sizeof(key), "x-api-key: %s", bob);
	http_do(&r, "GET", "/images", hdrs, NULL, 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "count")), 1);
	reply_free(&r);
}
END_TEST

START_TEST(test_uploads_take_the_tokens_user)
{
	struct reply	 r;
	char		 path[128];

	snprintf(path, sizeof(path), "/images/%s", alice_id);
	as(&r, alice, "GET", path, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(r.json, "user_id")),
	    "alice");
	reply_free(&r);
	upload_as(alice, ", \"user_id\": \"bob\"", NULL, 0, 403);
	upload_as(alice, ", \"user_id\": \"alice\"", NULL, 0, 201);
	upload_as(admin, ", \"user_id\": \"carol\"", NULL, 0, 201);
}
END_TEST

START_TEST(test_listing_is_ones_own)
{
	struct reply	 r;

	as(&r, alice, "GET", "/images", NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "count")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
	    json_object_get(r.json, "images"), 0), "user_id")), "alice");
	reply_free(&r);
	as(&r, alice, "GET", "/images?user_id=bob", NULL);
	ck_assert_int_eq(r.status, 403);
	ck_assert_str_eq(reply_code(&r), "FORBIDDEN");
	reply_free(&r);
	as(&r, admin, "GET", "/images", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(r.json,
	    "count")), 2);
	reply_free(&r);
}
END_TEST

START_TEST(test_others_images_do_not_exist)
{
	struct reply	 r;
	char		 path[1024];
	const char	*url;

	snprintf(path, sizeof(path), "/images/%s", bob_id);
	as(&r, alice, "GET", path, NULL);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
	as(&r, alice, "PATCH", path, "{\"metadata\": {\"title\": \"mine\"}}");
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
	as(&r, alice, "DELETE", path, NULL);
	ck_assert_int_eq(r.status, 404);
	reply_free(&r);
	/* Still there, unchanged; its signed URL needs no token. */
	as(&r, bob, "GET", path, NULL);
	ck_assert_int_eq(r.status, 200);
	ck_assert(json_is_null(json_object_get(r.json, "title")));
	url = strstr(json_string_value(json_object_get(r.json, "download_url")),
	    "/blobs/");
	ck_assert_ptr_nonnull(url);
	snprintf(path, sizeof(path), "%s", url);
	reply_free(&r);
	http_get(&r, path);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	/* The admin may do anything. */
	snprintf(path, sizeof(path), "/images/%s", bob_id);
	as(&r, admin, "PATCH", path, "{\"metadata\": {\"title\": \"ok\"}}");
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
	as(&r, admin, "DELETE", path, NULL);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
}
END_TEST

START_TEST(test_revoked_token)
{
	struct reply	 r;
	char		 path[PATH_MAX + 16], id[16];
	char		 w0[] = "token", w1[] = "revoke", w2[] = "list";
	char		*argv[] = { w0, w1, id, NULL };
	char		*listv[] = { w0, w2, NULL };
	char		*list = NULL;
	size_t		 len = 0;
	FILE		*fp;

	snprintf(path, sizeof(path), "%s/%s", test_daemon->data_dir,
	    TOKENS_FILE);
	fp = open_memstream(&list, &len);
	ck_assert_int_eq(cmd_token_file(path, 2, listv, fp, stderr), 0);
	fclose(fp);
	ck_assert_ptr_null(strstr(list, bob));
	/* The line of bob: "<id> bob user <created>". */
	ck_assert_int_eq(sscanf(strstr(list, " bob ") - 8, "%8s", id), 1);
	free(list);
	fp = fopen("/dev/null", "w");
	ck_assert_int_eq(cmd_token_file(path, 3, argv, fp, fp), 0);
	fclose(fp);
	as(&r, bob, "GET", "/images", NULL);
	ck_assert_int_eq(r.status, 401);
	reply_free(&r);
	as(&r, alice, "GET", "/images", NULL);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
}
END_TEST

Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc = tcase_create("token");

	tcase_add_checked_fixture(tc, setup, harness_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_token_required);
	tcase_add_test(tc, test_x_api_key);
	tcase_add_test(tc, test_uploads_take_the_tokens_user);
	tcase_add_test(tc, test_listing_is_ones_own);
	tcase_add_test(tc, test_others_images_do_not_exist);
	tcase_add_test(tc, test_revoked_token);
	suite_add_tcase(s, tc);
	return s;
}
