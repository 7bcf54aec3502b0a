// What the view shows of every run, on the device: one thread block per run evaluates the
// networks (mlp.cu) on rows of points in chunks: G on the fixed noise (the fakes), D there
// (predictions) with both input gradients (dD/dx and -dL_G/dx for the run's loss), D on the
// real samples shown, D over the field's cell centres, G on the manifold's noise grid.
// Probabilities are 0.5 tanh(l/2) + 0.5, as the NumPy engine computes them; a critic's
// (wasserstein) output is its raw value l (and dD/dx its gradient).

#define GLGAN_VIS_ROWS 512  // rows per pass: the scratch per run is sized for this many

// The points src (rows x n) of a chunk into dst (scratch), zero-padded rows never read.
__device__ void glgan_load_rows(const float* src, int rows, int n, float* dst) {
  for (int i = threadIdx.x; i < rows * n; i += blockDim.x) dst[i] = src[i];
  __syncthreads();
}

extern "C" __global__ void __launch_bounds__(GLGAN_THREADS)
glgan_visuals(const int* arch, const int* loss_kind, const float* params, int runs,
              float* scratch, const float* fixed_noise, int n_fake, const float* real,
              int n_real, const float* field_pts, int n_field, const float* mesh_noise,
              int n_mesh, float* fake_out, float* grad_d_out, float* grad_g_out,
              float* pred_fake_out, float* pred_real_out, float* field_out, float* mesh_out) {
  const int r = blockIdx.x;
  if (blockDim.x != GLGAN_THREADS) return;  // (KernelTrainer always launches GLGAN_THREADS)
  const int nz = arch[A_NZ], loss = loss_kind[r];
  const long long P = arch[A_P], Pg = arch[A_PG];
  float* w = (float*)params + r * P;  // weights only: nothing is updated here
  Net G = {w, nullptr, nullptr, arch[A_GL] + 1, nz, arch[A_GW], 2};
  Net D = {w + Pg, nullptr, nullptr, arch[A_DL] + 1, 2, arch[A_DW], 1};
  const int CH = GLGAN_VIS_ROWS;
  float* s = scratch + (long long)r * arch[A_SCRATCH];
  float* g_acts[8]; float* d_acts[8];
  for (int i = 0; i < G.layers; i++) { g_acts[i] = s; s += (long long)CH * G.size(i); }
  for (int i = 0; i < D.layers; i++) { d_acts[i] = s; s += (long long)CH * D.size(i); }
  float* logits = s; s += CH;
  int widest = G.width > D.width ? G.width : D.width;
  if (widest < 2) widest = 2;
  float* ping = s; s += (long long)CH * widest;
  float* pong = s; s += (long long)CH * widest;
  float* dx = s;

  // the fakes, D's predictions there and its two input gradients
  for (int c0 = 0; c0 < n_fake; c0 += CH) {
    const int rows = n_fake - c0 < CH ? n_fake - c0 : CH;
    glgan_load_rows(fixed_noise + ((long long)r * n_fake + c0) * nz, rows, nz, g_acts[0]);
    glgan_forward(G, g_acts, d_acts[0], rows, 1);
    glgan_forward(D, d_acts, logits, rows, 2);
    float* out = fake_out + ((long long)r * n_fake + c0) * 2;
    for (int i = threadIdx.x; i < rows * 2; i += blockDim.x) out[i] = d_acts[0][i];
    for (int i = threadIdx.x; i < rows; i += blockDim.x) {  // dD/dlogit = s (1 - s), or 1
      float sg = 0.5f * tanhf(0.5f * logits[i]) + 0.5f;
      const bool critic = loss == GLGAN_LOSS_WASSERSTEIN;
      pred_fake_out[(long long)r * n_fake + c0 + i] = critic ? logits[i] : sg;
      ping[i] = critic ? 1.0f : sg * (1.0f - sg);
    }
    __syncthreads();
    glgan_backward(D, d_acts, ping, rows, nullptr, dx, ping, pong);
    out = grad_d_out + ((long long)r * n_fake + c0) * 2;
    for (int i = threadIdx.x; i < rows * 2; i += blockDim.x) out[i] = dx[i];
    for (int i = threadIdx.x; i < rows; i += blockDim.x) {  // dL_G/dlogit (per sample)
      float sg = 0.5f * tanhf(0.5f * logits[i]) + 0.5f;
      ping[i] = loss == GLGAN_LOSS_LOG ? sg - 1.0f : loss == GLGAN_LOSS_MINIMAX ? -sg
                : loss == GLGAN_LOSS_LEASTSQ ? 2.0f * (sg - 1.0f) * sg * (1.0f - sg) : -1.0f;
    }
    __syncthreads();
    glgan_backward(D, d_acts, ping, rows, nullptr, dx, ping, pong);
    out = grad_g_out + ((long long)r * n_fake + c0) * 2;
    for (int i = threadIdx.x; i < rows * 2; i += blockDim.x) out[i] = -dx[i];
    __syncthreads();
  }
  // D on the real samples shown, and over the field (the same points for every run)
  for (int job = 0; job < 2; job++) {
    const int n = job == 0 ? n_real : n_field;
    const float* pts = job == 0 ? real + (long long)r * n_real * 2 : field_pts;
    float* out = job == 0 ? pred_real_out + (long long)r * n_real
                          : field_out + (long long)r * n_field;
    for (int c0 = 0; c0 < n; c0 += CH) {
      const int rows = n - c0 < CH ? n - c0 : CH;
      glgan_load_rows(pts + (long long)c0 * 2, rows, 2, d_acts[0]);
      glgan_forward(D, d_acts, logits, rows, 2);
      for (int i = threadIdx.x; i < rows; i += blockDim.x)
        out[c0 + i] = loss == GLGAN_LOSS_WASSERSTEIN ? logits[i]
                      : 0.5f * tanhf(0.5f * logits[i]) + 0.5f;
      __syncthreads();
    }
  }
  // the generator manifold: G on the noise grid
  for (int c0 = 0; c0 < n_mesh; c0 += CH) {
    const int rows = n_mesh - c0 < CH ? n_mesh - c0 : CH;
    glgan_load_rows(mesh_noise + (long long)c0 * nz, rows, nz, g_acts[0]);
    glgan_forward(G, g_acts, mesh_out + ((long long)r * n_mesh + c0) * 2, rows, 1);
  }
}

// ---- the numbers the charts and the manifold fill need, on the device ----------------------
#define GLGAN_METRIC_GRID 30  // metrics.GRID: the KL/JS histograms are 30 x 30 over [0,1]^2
#define GLGAN_METRIC_EPS 1e-4  // metrics.EPS, GAN Lab's epsilon

// The sum of x over the block, the same in every thread (a fixed tree: deterministic).
__device__ double glgan_block_sum(double x, double* red) {
  red[threadIdx.x] = x;
  __syncthreads();
  for (int s = GLGAN_THREADS / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) red[threadIdx.x] += red[threadIdx.x + s];
    __syncthreads();
  }
  const double total = red[0];
  __syncthreads();
  return total;
}

// The shoelace area of cell c (row-major) of a deformed (cells+1)^2 mesh of (x, y) points,
// with float products as the host computes them.
__device__ double glgan_cell_area(const float* mesh, int cells, int c) {
  const int i = c / cells, j = c - i * cells, w = cells + 1;
  const float* q[4] = {mesh + (i * w + j) * 2, mesh + (i * w + j + 1) * 2,
                       mesh + ((i + 1) * w + j + 1) * 2, mesh + ((i + 1) * w + j) * 2};
  double area = 0.0;
  for (int k = 0; k < 4; k++) {
    const float* a = q[k];
    const float* b = q[(k + 1) & 3];
    area += (double)(a[0] * b[1] - b[0] * a[1]);
  }
  return fabs(area) * 0.5;
}

// One block per run. If want[r]: the grid KL and JS divergences in bits (metrics.kl_js)
// between the run's real histogram real_hist (30 x 30, normalised, from the host once) and
// the histogram of G on the run's metric noise (points outside [0,1]^2 clamped into the edge
// cells, non-finite ones left out) into kl_js[2r], kl_js[2r+1]. If cells > 0: GAN Lab's
// manifold fill opacity of each cell of the run's deformed (cells+1)^2 mesh (from
// glgan_visuals) into alpha_out (metrics.manifold_opacity).
extern "C" __global__ void __launch_bounds__(GLGAN_THREADS)
glgan_metrics(const int* arch, const float* params, int runs, float* scratch,
              const float* metric_noise, int n_metric, const double* real_hist,
              const int* want, double* kl_js, const float* mesh, int cells, const int* gauss,
              float* alpha_out) {
  const int r = blockIdx.x;
  if (blockDim.x != GLGAN_THREADS) return;
  __shared__ int hist[GLGAN_METRIC_GRID * GLGAN_METRIC_GRID];
  __shared__ int counted;
  __shared__ double red[GLGAN_THREADS];
  const int nz = arch[A_NZ];
  const long long P = arch[A_P];
  Net G = {(float*)params + r * P, nullptr, nullptr, arch[A_GL] + 1, nz, arch[A_GW], 2};
  const int CH = GLGAN_VIS_ROWS, NC = GLGAN_METRIC_GRID * GLGAN_METRIC_GRID;
  float* s = scratch + (long long)r * arch[A_SCRATCH];
  float* g_acts[8];
  for (int i = 0; i < G.layers; i++) { g_acts[i] = s; s += (long long)CH * G.size(i); }
  float* out = s;

  if (want[r]) {
    for (int i = threadIdx.x; i < NC; i += blockDim.x) hist[i] = 0;
    if (threadIdx.x == 0) counted = 0;
    __syncthreads();
    for (int c0 = 0; c0 < n_metric; c0 += CH) {
      const int rows = n_metric - c0 < CH ? n_metric - c0 : CH;
      glgan_load_rows(metric_noise + ((long long)r * n_metric + c0) * nz, rows, nz, g_acts[0]);
      glgan_forward(G, g_acts, out, rows, 1);
      for (int i = threadIdx.x; i < rows; i += blockDim.x) {
        const double x = out[2 * i], y = out[2 * i + 1];
        if (!isfinite(x) || !isfinite(y)) continue;
        const double top = GLGAN_METRIC_GRID - 1;
        const int cx = (int)fmin(fmax(floor(x * GLGAN_METRIC_GRID), 0.0), top);
        const int cy = (int)fmin(fmax(floor(y * GLGAN_METRIC_GRID), 0.0), top);
        atomicAdd(&hist[cx + GLGAN_METRIC_GRID * cy], 1);
        atomicAdd(&counted, 1);
      }
      __syncthreads();
    }
    double kl = 0.0, js = 0.0;
    const double n = counted;
    for (int i = threadIdx.x; i < NC; i += blockDim.x) {
      const double p = real_hist[(long long)r * NC + i], q = n > 0 ? hist[i] / n : 0.0;
      const double pe = p + GLGAN_METRIC_EPS, qe = q + GLGAN_METRIC_EPS;
      const double me = 0.5 * (p + q) + GLGAN_METRIC_EPS;
      kl += pe * log2(pe / qe);
      js += pe * log2(pe / me) + qe * log2(qe / me);
    }
    kl = glgan_block_sum(kl, red);
    js = glgan_block_sum(js, red);
    if (threadIdx.x == 0) { kl_js[2 * r] = kl; kl_js[2 * r + 1] = 0.5 * js; }
  }

  if (cells > 0) {
    const float* m = mesh + (long long)r * (cells + 1) * (cells + 1) * 2;
    float* alpha = alpha_out + (long long)r * cells * cells;
    double part = 0.0;
    for (int c = threadIdx.x; c < cells * cells; c += blockDim.x)
      part += glgan_cell_area(m, cells, c);
    const double total = glgan_block_sum(part, red);
    const double n2 = (double)cells * cells;
    for (int c = threadIdx.x; c < cells * cells; c += blockDim.x) {
      const double rel = total > 0 ? glgan_cell_area(m, cells, c) * n2 / total : 1.0;
      double a;
      if (!gauss[r]) {
        a = fmax(0.9 - 0.4 * rel, 0.1);
      } else {
        const int i = c / cells, j = c - i * cells;
        const double ci = (i + 0.5) / cells - 0.5, cj = (j + 0.5) / cells - 0.5;
        const double pdf = exp(-(ci * ci + cj * cj) / (2 * 0.25 * 0.25)) /
                           (2 * 3.141592653589793 * 0.25 * 0.25);
        a = rel > 0 ? fmin(0.1 + pdf / rel * 0.2, 0.9) : 0.9;
        if (isnan(a)) a = 0.9;
      }
      alpha[c] = (float)a;
    }
  }
}
