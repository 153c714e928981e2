// Max pooling through recorded indices, shared by maxPoolArgmax /
// maxPoolGradArgmax (the compiled training step) and maxPoolGrad (which finds
// the indices again from x, then scatters the same sums in the same order).
#pragma once

#include <cstdint>

#include "pool_geometry.h"

namespace ibc {

// For every output element, the flat index into x of the first maximum of its
// window in row-major scan order (padding skipped; -1 when the window holds only
// padding) and, when ys is not null, y as maxPool computes it. Needs InSize() < 2^31.
void MaxPoolIndices(const PoolGeometry& g, const float* xs, float* ys, int32_t* as);

// dx = 0, then dx[as[i]] += dy[i] in output order within each image, images in
// parallel for large problems; -1 is skipped. False (dx partly written) when an
// index lies outside its own image.
bool ScatterByIndex(const float* dys, const int32_t* as, float* dxs, int64_t images, int64_t inSize, int64_t outSize,
                    const float* keep = nullptr);

}  // namespace ibc
