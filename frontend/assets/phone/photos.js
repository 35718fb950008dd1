/* Photos from the camera, made ready to wait on the phone: the bytes, their SHA-256, their type.
 *
 * A photo is kept byte for byte when the server takes it as it is (JPEG, PNG or WebP within the
 * upload limit) and it is small enough to go over a weak signal; otherwise it is redrawn as a JPEG
 * of at most 2560 pixels on its longest side (the server shares 2048). The report names each photo
 * by the SHA-256 of exactly the bytes that will be uploaded.
 */
import { sha256Hex } from "./ids.js";
import { config } from "./text.js";

const ACCEPTED = ["image/jpeg", "image/png", "image/webp"];
const COMFORTABLE_BYTES = 4 * 1024 * 1024;
const MAX_SIDE = 2560;

export class PhotoError extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason; // "notAnImage" or "photoTooBig"
  }
}

async function decode(file) {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch {
      /* try the <img> route below */
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.decoding = "async";
    image.src = url;
    await image.decode();
    return image;
  } catch {
    throw new PhotoError("notAnImage");
  } finally {
    URL.revokeObjectURL(url);
  }
}

async function redraw(file, limit) {
  const image = await decode(file);
  const width = image.width || image.naturalWidth;
  const height = image.height || image.naturalHeight;
  if (!width || !height) throw new PhotoError("notAnImage");
  let scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  for (let quality = 0.85; quality >= 0.5; quality -= 0.15) {
    const canvas = document.createElement("canvas");
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
    if (blob && blob.size <= limit) return blob;
    scale *= 0.8;
  }
  throw new PhotoError("photoTooBig");
}

/** {blob, sha256, type, name} for a chosen file; rejects with PhotoError. */
export async function preparePhoto(file) {
  const limit = Math.min(config.photoMaxBytes || 10 * 1024 * 1024, Number.MAX_SAFE_INTEGER);
  let blob = file;
  if (!ACCEPTED.includes(file.type) || file.size > Math.min(limit, COMFORTABLE_BYTES)) {
    blob = await redraw(file, Math.min(limit, COMFORTABLE_BYTES));
  }
  const bytes = await blob.arrayBuffer();
  // A Blob of our own (not the File): it must outlive the camera's temporary file.
  const own = new Blob([bytes], { type: blob.type || "image/jpeg" });
  return { blob: own, sha256: await sha256Hex(bytes), type: own.type, name: file.name || "" };
}
