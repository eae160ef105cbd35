/* Unit tests of the random generator. */
#include "test/unit/harness.h"
#include "proxy/tls/rng.h"

TEST(rng_seeded_from_kernel_differs_each_time)
{
	struct rng a, b;
	char err[256] = "";
	unsigned char x[32], y[32], zero[32] = {0};
	CHECK_EQ_INT(rng_init(&a, err, sizeof err), 0);
	CHECK_EQ_INT(rng_init(&b, err, sizeof err), 0);
	rng_bytes(&a, x, sizeof x);
	rng_bytes(&b, y, sizeof y);
	CHECK(memcmp(x, y, sizeof x) != 0);
	CHECK(memcmp(x, zero, sizeof x) != 0);
	/* Successive outputs of one generator differ too. */
	rng_bytes(&a, y, sizeof y);
	CHECK(memcmp(x, y, sizeof x) != 0);
}

TEST(rng_fixed_seed_is_deterministic)
{
	struct rng a, b;
	unsigned char x[16], y[16];
	rng_init_seed(&a, "seed", 4);
	rng_init_seed(&b, "seed", 4);
	rng_bytes(&a, x, sizeof x);
	rng_bytes(&b, y, sizeof y);
	CHECK_MEM(x, y, sizeof x);
	rng_init_seed(&b, "seeD", 4);
	rng_bytes(&b, y, sizeof y);
	CHECK(memcmp(x, y, sizeof x) != 0);
}

TEST(rng_wipe_clears_state)
{
	struct rng a;
	static const unsigned char zero[sizeof(struct rng)];
	rng_init_seed(&a, "seed", 4);
	rng_wipe(&a);
	CHECK_MEM(&a, zero, sizeof a);
}
