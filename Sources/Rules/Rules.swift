public enum RulesModule {}
