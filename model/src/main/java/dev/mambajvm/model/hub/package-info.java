/**
 * Models from the Hugging Face Hub: a repo id ({@code state-spaces/mamba-130m-hf}, optionally
 * {@code @revision}) resolved to a checkpoint folder in the hub's standard cache layout, the one
 * Python's {@code huggingface_hub} uses, so that either side finds the other's downloads:
 *
 * <pre>
 * $HF_HUB_CACHE/models--ORG--NAME/
 *     refs/main                         the commit hash "main" pointed to (no newline)
 *     blobs/ETAG                        file contents, named by the hub's ETag (sha256 for LFS files)
 *     blobs/ETAG.incomplete             a download in progress (resumed with a Range request)
 *     snapshots/COMMIT/config.json      symlink to ../../blobs/ETAG: the checkpoint folder
 *     .no_exist/COMMIT/tokenizer.json   empty: the file does not exist at that commit
 * </pre>
 *
 * {@link dev.mambajvm.model.hub.ModelResolver} decides (local folder, cache, download);
 * {@link dev.mambajvm.model.hub.HubCache} is the layout; {@link dev.mambajvm.model.hub.HubDownloader}
 * the HTTP side; {@link dev.mambajvm.model.hub.HubSettings} what the environment says
 * (HF_ENDPOINT, HF_HUB_CACHE / HF_HOME, HF_TOKEN, HF_HUB_OFFLINE).
 */
package dev.mambajvm.model.hub;
