/* Core: status texts, the thread's last error, versions, enum names, option checks. */
#include <check.h>
#include <string.h>

#include "core.h"
#include "iv/version.h"
#include "testutil.h"

START_TEST(strerror_names_every_status_and_unknown_codes)
{
    int c;
    for (c = IV_OK; c >= IV_EUNDEFINED; c--)
        ck_assert_str_ne(iv_strerror(c), "unknown status code");
    ck_assert_str_eq(iv_strerror(IV_ENOMEM), "out of memory");
    ck_assert_str_eq(iv_strerror(-999), "unknown status code");
}
END_TEST

START_TEST(error_message_is_kept_until_the_next_failure)
{
    ck_assert_int_eq(iv__error(IV_EPARSE, "line %d, column %d (%s): bad", 7, 4, "cost"), IV_EPARSE);
    ck_assert_str_eq(iv_error_last(), "line 7, column 4 (cost): bad");
    ck_assert_int_eq(iv__nomem("x"), IV_ENOMEM);
    ck_assert_str_eq(iv_error_last(), "out of memory (x)");
}
END_TEST

START_TEST(runtime_version_matches_the_header)
{
    ck_assert_int_eq(iv_version(), IV_VERSION_MAJOR * 10000 + IV_VERSION_MINOR * 100 + IV_VERSION_PATCH);
    ck_assert_str_eq(iv_version_string(), IV_VERSION_STRING);
}
END_TEST

START_TEST(enum_names_are_the_spec_vocabulary)
{
    ck_assert_str_eq(iv_enum_name(0, IV_STAGE_CLOSING), "closing");
    ck_assert_str_eq(iv_enum_name(1, IV_AREA_GOVERNANCE), "governance");
    ck_assert_str_eq(iv_enum_name(1, IV_AREA_TECHNOLOGY), "technology");
    ck_assert_str_eq(iv_enum_name(2, IV_DIRECTION_OUT), "out");
    ck_assert_str_eq(iv_enum_name(3, IV_OUTCOME_UNDESIRED), "undesired");
    ck_assert_str_eq(iv_enum_name(3, IV_OUTCOME_NONE), "");
    ck_assert_ptr_null(iv_enum_name(1, 9));
    ck_assert_ptr_null(iv_enum_name(4, 0));
}
END_TEST

START_TEST(options_with_unknown_nonzero_trailing_bytes_are_rejected)
{
    unsigned char buf[32] = {0};
    ck_assert_int_eq(iv__check_options(buf, 32, 8, 16, "o"), IV_OK);
    buf[20] = 1;
    ck_assert_int_eq(iv__check_options(buf, 32, 8, 16, "o"), IV_EINVAL);
    ck_assert_int_eq(iv__check_options(buf, 4, 8, 16, "o"), IV_EINVAL);
}
END_TEST

START_TEST(ieq_is_ascii_case_insensitive_and_exact_in_length)
{
    ck_assert(iv__ieq("Contact", 7, "contact"));
    ck_assert(!iv__ieq("Contacts", 8, "contact"));
    ck_assert(!iv__ieq("Contac", 6, "contact"));
}
END_TEST

static void core_tests(TCase *tc)
{
    tcase_add_test(tc, strerror_names_every_status_and_unknown_codes);
    tcase_add_test(tc, error_message_is_kept_until_the_next_failure);
    tcase_add_test(tc, runtime_version_matches_the_header);
    tcase_add_test(tc, enum_names_are_the_spec_vocabulary);
    tcase_add_test(tc, options_with_unknown_nonzero_trailing_bytes_are_rejected);
    tcase_add_test(tc, ieq_is_ascii_case_insensitive_and_exact_in_length);
}

TU_SUITE_MAIN("core", core_tests)
