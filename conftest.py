"""pytest configuration shared by the whole repository."""


def pytest_collection_modifyitems(config, items):
  """Drops `tf.test.TestCase.test_session`, a deprecated helper pytest takes for a test.

  It is not a test (TensorFlow skips it with "Not a test."), so collecting it only adds a
  skip per test class to every run.
  """
  del config  # Unused.
  items[:] = [item for item in items if item.name != "test_session"]
