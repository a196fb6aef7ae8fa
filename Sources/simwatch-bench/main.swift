print("simwatch-bench: state benchmark not written yet")
