package dev.mambajvm.model.hub;

/**
 * A model that could not be had from a folder, the hub cache or the hub. The message is one line that
 * names the repo (or path) and says what to do: the user can act on it alone.
 */
public class HubException extends RuntimeException {
    private final boolean userError;

    /**
     * @param userError whether the model named is wrong for this user (no such folder or repo, no
     *                  access, no such revision, not a safetensors checkpoint), as opposed to a failure
     *                  of the network, the cache folder or the download
     */
    public HubException(String message, boolean userError) {
        super(message);
        this.userError = userError;
    }

    public HubException(String message, boolean userError, Throwable cause) {
        super(message, cause);
        this.userError = userError;
    }

    /** Whether the model named is wrong for this user (a usage error), rather than a failure along the way. */
    public boolean userError() {
        return userError;
    }
}
