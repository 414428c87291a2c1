#pragma once

// Op parameters shared by the unary definitions (src/ops/unary.cpp) and the kernels that
// run them.

#include "core/ggml-impl.h"

// tanh approximation of GELU, as ggml uses
constexpr float GELU_COEF_A    = 0.044715f;
constexpr float SQRT_2_OVER_PI = 0.79788456080286535588f;
constexpr float GELU_QUICK_K   = 1.702f;
