// Counter-based random streams on the device: the very numbers glgan/compute/philox.py and
// glgan/compute/data.py draw on the host (Philox4x32-10 keyed by (seed, KEY_SALT), counter
// (index lo, index hi, stream, attempt); uniforms from the top 23 bits; Box-Muller in double
// precision, both branches; GAN Lab's datasets; truncated Gaussian noise by redraws).
// No #include: NVRTC and the CPU emulator (glgan/compute/cuda/emu) read this file as it is,
// and the loader puts it in front of the kernel files that use it.

#define GLGAN_KEY_SALT 0x676C6761u
#define GLGAN_MAX_NOISE_ATTEMPTS 64
#define GLGAN_TWO_PI 6.283185307179586

enum GlganStream { S_G_INIT = 1, S_D_INIT = 2, S_REAL_ATLAS = 3, S_NOISE_ATLAS = 4,
                   S_REAL_FRESH = 5, S_NOISE_FRESH = 6, S_REAL_EVAL = 7, S_NOISE_EVAL = 8 };
enum GlganDataset { D_LINE = 0, D_GAUSSIANS = 1, D_RING = 2, D_DISJOINT = 3, D_DRAWN = 4 };

__device__ __forceinline__ void glgan_philox(unsigned c[4], unsigned k0, unsigned k1) {
  #pragma unroll
  for (int r = 0; r < 10; r++) {
    if (r) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
    unsigned hi0 = __umulhi(0xD2511F53u, c[0]), lo0 = 0xD2511F53u * c[0];
    unsigned hi1 = __umulhi(0xCD9E8D57u, c[2]), lo1 = 0xCD9E8D57u * c[2];
    c[0] = hi1 ^ c[1] ^ k0; c[1] = lo1; c[2] = hi0 ^ c[3] ^ k1; c[3] = lo0;
  }
}

// The four words of block `index` of `stream` for `seed` (attempt numbers redraws).
__device__ __forceinline__ void glgan_block(unsigned w[4], unsigned seed, unsigned stream,
                                            unsigned long long index, unsigned attempt) {
  w[0] = (unsigned)(index & 0xFFFFFFFFull); w[1] = (unsigned)(index >> 32);
  w[2] = stream; w[3] = attempt;
  glgan_philox(w, seed, GLGAN_KEY_SALT);
}

// (top 23 bits + 0.5) / 2^23: in (0, 1), exact in float32 and float64 alike.
__device__ __forceinline__ double glgan_uniform(unsigned w) {
  return ((double)(w >> 9) + 0.5) * (1.0 / 8388608.0);
}

__device__ __forceinline__ void glgan_box_muller(double u, double v, double* n1, double* n2) {
  double r = sqrt(-2.0 * log(u)), a = GLGAN_TWO_PI * v;
  *n1 = r * cos(a);
  *n2 = r * sin(a);
}

// Real sample `index` of `stream`: GAN Lab's distribution from (r, n1, n2) of one block.
__device__ void glgan_real(unsigned seed, unsigned stream, unsigned long long index, int dataset,
                           const double* drawn, int n_drawn, float* x, float* y) {
  unsigned w[4];
  glgan_block(w, seed, stream, index, 0);
  double r = glgan_uniform(w[0]), n1, n2, px, py;
  glgan_box_muller(glgan_uniform(w[1]), glgan_uniform(w[2]), &n1, &n2);
  if (dataset == D_LINE) {
    px = 0.8 - 0.75 * r + 0.01 * n1; py = 0.6 + 0.3 * r + 0.01 * n2;
  } else if (dataset == D_GAUSSIANS) {
    bool first = r < 0.5;
    px = first ? 0.3 + 0.1 * n1 : 0.7 + 0.05 * n1;
    py = first ? 0.7 + 0.1 * n2 : 0.4 + 0.2 * n2;
  } else if (dataset == D_RING) {
    double t = GLGAN_TWO_PI * r;
    px = 0.5 + 0.3 * cos(t) + 0.025 * n1; py = 0.45 + 0.25 * sin(t) + 0.025 * n2;
  } else if (dataset == D_DISJOINT) {
    double cx = r < 0.333 ? 0.35 : r < 0.666 ? 0.75 : 0.45;
    double cy = r < 0.333 ? 0.75 : r < 0.666 ? 0.6 : 0.35;
    px = cx + 0.025 * n1; py = cy + 0.025 * n2;
  } else {  // drawn: a N(p, 0.02^2) blob around a drawn point
    int i = (int)(n_drawn * r);
    if (i > n_drawn - 1) i = n_drawn - 1;
    px = drawn[2 * i] + 0.02 * n1; py = drawn[2 * i + 1] + 0.02 * n2;
  }
  *x = (float)px; *y = (float)py;
}

// Noise sample `index` of `stream`, dimension d (0 or 1): U(0,1) or N(0.5, 0.25^2) truncated
// at 2 sigma (branch d of Box-Muller, redrawn with the next attempt until within 2 sigma).
__device__ float glgan_noise(unsigned seed, unsigned stream, unsigned long long index, int d,
                             int gaussian) {
  unsigned w[4];
  glgan_block(w, seed, stream, index, 0);
  if (!gaussian) return (float)glgan_uniform(w[d]);
  double n1, n2, n = 0.0;
  for (unsigned attempt = 0; attempt < GLGAN_MAX_NOISE_ATTEMPTS; attempt++) {
    if (attempt) glgan_block(w, seed, stream, index, attempt);
    glgan_box_muller(glgan_uniform(w[0]), glgan_uniform(w[1]), &n1, &n2);
    n = d ? n2 : n1;
    if (fabs(n) <= 2.0) break;
  }
  n = n < -2.0 ? -2.0 : n > 2.0 ? 2.0 : n;  // (only after 64 misses in a row)
  return (float)(0.5 + 0.25 * n);
}

// Samples start .. start+n-1 of one stream into out (n x dim floats): kind 0 = real samples of
// `dataset`, kind 1 = uniform noise, kind 2 = Gaussian noise; words (n x 4) gets the raw blocks.
extern "C" __global__ void glgan_sample_stream(unsigned seed, unsigned stream,
                                               unsigned long long start, int n, int kind,
                                               int dataset, int dim, const double* drawn,
                                               int n_drawn, float* out, unsigned* words) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
    unsigned long long index = start + (unsigned long long)i;
    unsigned w[4];
    glgan_block(w, seed, stream, index, 0);
    for (int j = 0; j < 4; j++) words[4 * i + j] = w[j];
    if (kind == 0) {
      glgan_real(seed, stream, index, dataset, drawn, n_drawn, &out[2 * i], &out[2 * i + 1]);
    } else {
      for (int d = 0; d < dim; d++) out[dim * i + d] = glgan_noise(seed, stream, index, d,
                                                                   kind == 2);
    }
  }
}
