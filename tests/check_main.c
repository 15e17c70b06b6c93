/* SPDX-License-Identifier: MIT */
/* check_main.c -- the main() of every suite executable: runs DQ_TEST_SUITE() with Check's
 * default fork mode, so a crashing test is a failure, not the end of the suite. */
#include <stdlib.h>

#include <check.h>

Suite *DQ_TEST_SUITE(void);

int main(void)
{
    SRunner *sr = srunner_create(DQ_TEST_SUITE());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
