/* One photo sent with the tus protocol (tus-js-client against the server's /api/uploads/): in
 * chunks, so that a weak signal that drops at 90 % loses at most one chunk, and resumable from the
 * upload's address, which the outbox keeps in IndexedDB so that even a restarted app goes on where
 * the server says it stopped (a HEAD asks how far). An address the server no longer knows (expired,
 * or refused at the end) makes tus-js-client start a new upload. The photo is announced by its
 * SHA-256: the server checks the bytes against it, and a photo it has already is done at once.
 *
 * Failures come back as ApiError (common/api.js), sorted as the rest of the outbox sorts them.
 */
import { Upload } from "tus-js-client";
import { ApiError } from "../common/api.js";

export const CHUNK_BYTES = 256 * 1024;

function parse(text) {
  try {
    const body = JSON.parse(text);
    return body && typeof body === "object" && body.code ? body : null;
  } catch {
    return null;
  }
}

/** A tus-js-client error as an ApiError: no answer, or the server's own answer in the error shape. */
export function asApiError(error) {
  const response = error && error.originalResponse;
  const status = response ? response.getStatus() : 0;
  const body = response ? parse(response.getBody()) : null;
  if (!status) return new ApiError("network", 0, null);
  if (status === 401) return new ApiError("auth", status, body);
  // 409: the offset moved (another try got there first); 404/410: the upload is gone and a new
  // one is made on the next try; 423, 408, 429, 5xx: the server asks for later.
  if ([404, 408, 409, 410, 423, 429].includes(status) || status >= 500) return new ApiError("retry", status, body);
  return new ApiError("refused", status, body);
}

/**
 * Send `blob`; resolves when the server has stored it. `uploadUrl` resumes an earlier try;
 * `onUrl(url)` is told the address as soon as it is known (to keep it), `onProgress(sent, total)`
 * as bytes go, `onChunk(accepted, total)` when the server confirms a chunk.
 */
export function sendPhoto({ blob, sha256, endpoint, uploadUrl, token, language, onUrl, onProgress, onChunk }) {
  return new Promise((resolve, reject) => {
    const upload = new Upload(blob, {
      endpoint,
      uploadUrl: uploadUrl || null,
      chunkSize: CHUNK_BYTES,
      uploadDataDuringCreation: true, // the first chunk rides on the creation; a stored photo ends there
      metadata: { sha256, filetype: blob.type || "image/jpeg" },
      headers: { Authorization: `Token ${token}`, "Accept-Language": language },
      // The outbox keeps the address (IndexedDB) and does its own backoff: two quick retries here.
      storeFingerprintForResuming: false,
      retryDelays: [1000, 3000],
      onUploadUrlAvailable: () => onUrl && onUrl(upload.url),
      onProgress: (sent, total) => onProgress && onProgress(sent, total),
      onChunkComplete: (_size, accepted, total) => onChunk && onChunk(accepted, total),
      onSuccess: () => resolve(upload.url),
      onError: (error) => reject(asApiError(error)),
    });
    upload.start();
  });
}
