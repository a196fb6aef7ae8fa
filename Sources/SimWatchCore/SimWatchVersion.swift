/// The version `simwatch --version` prints and the User-Agent carries.
public enum SimWatchVersion {
    public static let current = "0.1.0"
}
