#include "test/unit/harness.h"
#include "net/base/log.h"

TEST(log_exit_codes_match_spec)
{
	CHECK_EQ_INT(EXIT_AIRLOCK, 125);
	CHECK_EQ_INT(EXIT_NOT_EXECUTABLE, 126);
	CHECK_EQ_INT(EXIT_NOT_FOUND, 127);
}
