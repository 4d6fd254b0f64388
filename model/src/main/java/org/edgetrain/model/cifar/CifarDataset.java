package org.edgetrain.model.cifar;

/**
 * The CIFAR-10 training and test sets as read and verified by {@link CifarReader}.
 *
 * @param train the training records (50,000 in the official archive)
 * @param test the test records (10,000 in the official archive)
 * @param source where they were read from, for messages
 */
public record CifarDataset(CifarSplit train, CifarSplit test, String source) {
    /** @return true when the counts are those of the official archive */
    public boolean isOfficialSize() {
        return train.size() == CifarFormat.OFFICIAL_TRAIN && test.size() == CifarFormat.OFFICIAL_TEST;
    }
}
