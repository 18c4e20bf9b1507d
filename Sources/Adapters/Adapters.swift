import Rules
public enum AdaptersModule {}
