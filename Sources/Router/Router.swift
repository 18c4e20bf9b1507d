import Rules
public enum RouterModule {}
