#pragma once

// The generator behind dataset shuffling, written out so that a seed gives the same order with
// every compiler and standard library (std::shuffle and the std distributions do not promise
// that). The algorithms are described in include/ggml-opt.h.

#include <cstdint>
#include <vector>

struct ggml_opt_prng {
    uint64_t s[4]; // xoshiro256** state, never all zero
};

// Fills the state from seed with four splitmix64 outputs.
void ggml_opt_prng_seed(ggml_opt_prng & rng, uint64_t seed);

// The next 64 random bits (xoshiro256**).
uint64_t ggml_opt_prng_next(ggml_opt_prng & rng);

// A uniform draw from [0, n), n > 0, without modulo bias.
uint64_t ggml_opt_prng_below(ggml_opt_prng & rng, uint64_t n);

// Fisher-Yates: a uniform random permutation of values[0, n).
void ggml_opt_prng_shuffle(ggml_opt_prng & rng, int64_t * values, int64_t n);
