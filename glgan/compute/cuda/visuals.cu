// What the view shows of every run, on the device: one thread block per run evaluates the
// networks (mlp.cu) on rows of points in chunks: G on the fixed noise (the fakes), D there
// (predictions) with both input gradients (dD/dx and -dL_G/dx for the run's loss), D on the
// real samples shown, D over the field's cell centres, G on the manifold's noise grid.
// Probabilities are 0.5 tanh(l/2) + 0.5, as the NumPy engine computes them.

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
    for (int i = threadIdx.x; i < rows; i += blockDim.x) {  // dD/dlogit = s (1 - s)
      float sg = 0.5f * tanhf(0.5f * logits[i]) + 0.5f;
      pred_fake_out[(long long)r * n_fake + c0 + i] = sg;
      ping[i] = sg * (1.0f - sg);
    }
    __syncthreads();
    glgan_backward(D, d_acts, ping, rows, nullptr, dx, ping, pong);
    out = grad_d_out + ((long long)r * n_fake + c0) * 2;
    for (int i = threadIdx.x; i < rows * 2; i += blockDim.x) out[i] = dx[i];
    for (int i = threadIdx.x; i < rows; i += blockDim.x) {  // dL_G/dlogit (per sample)
      float sg = 0.5f * tanhf(0.5f * logits[i]) + 0.5f;
      ping[i] = loss == 0 ? sg - 1.0f : loss == 1 ? -sg : 2.0f * (sg - 1.0f) * sg * (1.0f - sg);
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
        out[c0 + i] = 0.5f * tanhf(0.5f * logits[i]) + 0.5f;
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
