public enum CurlPlaceholder {}
