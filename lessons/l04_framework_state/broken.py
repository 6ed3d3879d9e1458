import my_local_utilities  # next to the notebook: the driver imports it fine


def e10s_distributed(sc, sample):
    """Distribute the small local sample and the tested code. Still works?"""
    tiny_distributed = sc.parallelize(sample)
    return tiny_distributed.filter(my_local_utilities.is_e10s_experiment).collect()
